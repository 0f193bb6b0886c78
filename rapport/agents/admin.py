from django.contrib import admin

from .models import AgentSettings, TeamAssignment


@admin.register(AgentSettings)
class AgentSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "hostility_limit",
        "conversation_minutes",
        "break_minutes",
        "availability",
        "paused_until",
    ]
    list_filter = ["availability"]
    raw_id_fields = ["user"]


@admin.register(TeamAssignment)
class TeamAssignmentAdmin(admin.ModelAdmin):
    list_display = ["team", "mode", "last_assignee", "last_assigned_at"]
    list_filter = ["mode"]
    raw_id_fields = ["last_assignee"]
