from django.contrib import admin

from .models import EmpowermentLimit, Grant


@admin.register(EmpowermentLimit)
class EmpowermentLimitAdmin(admin.ModelAdmin):
    list_display = ["role", "kind", "max_amount", "currency"]
    list_filter = ["role", "kind"]


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):
    """Read-only: grants and decisions are made on the ticket (RS7, the audit trail)."""

    list_display = ["ticket", "kind", "amount", "currency", "status", "requested_by", "decided_by"]
    list_filter = ["status", "kind"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
