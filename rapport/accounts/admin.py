from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Team, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Rapport", {"fields": ("role", "language", "time_zone")}),
    )
    list_display = ("username", "first_name", "last_name", "email", "role", "is_active")
    list_filter = ("role", "is_active", "teams")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "is_default", "is_partner", "partner_company")
    list_filter = ("is_partner",)
    filter_horizontal = ("members",)
    fieldsets = (
        (None, {"fields": ("name", "is_default", "members")}),
        # MG5: an outside contractor's team (docs/permissions.md, "Partner teams").
        ("Partner", {"fields": ("is_partner", "partner_company", "contract_notes")}),
    )
