from django.contrib import admin

from .actions import do_save_rule
from .forms import RuleForm
from .models import Rule, RuleFiring


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    form = RuleForm  # the same validation as /rules/
    list_display = ["name", "order", "enabled", "trigger", "stop_processing", "updated_at"]
    list_editable = ["order", "enabled"]
    list_filter = ["enabled", "trigger"]

    def save_model(self, request, obj, form, change):
        do_save_rule(obj, actor=request.user)


@admin.register(RuleFiring)
class RuleFiringAdmin(admin.ModelAdmin):
    list_display = ["at", "rule", "ticket", "trigger", "key"]
    list_filter = ["trigger", "rule"]
    raw_id_fields = ["rule", "ticket", "message"]
    readonly_fields = [
        "rule",
        "ticket",
        "message",
        "key",
        "trigger",
        "why",
        "done",
        "at",
        "mailed_at",
    ]
