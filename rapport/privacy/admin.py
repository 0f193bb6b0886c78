from django.contrib import admin

from .models import AuditEntry, ErasureRequest, RetentionPolicy


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ["data_type", "keep_days", "enabled", "last_applied_at", "last_result"]
    list_editable = ["keep_days", "enabled"]
    readonly_fields = ["last_applied_at", "last_result"]

    def get_changelist(self, request, **kwargs):
        from .retention import ensure_policies

        ensure_policies()  # every data type listed, off until chosen
        return super().get_changelist(request, **kwargs)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is browsed at /privacy/audit/; here for completeness."""

    list_display = ["at", "actor_name", "action", "object_type", "object_id", "ip"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "object_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ErasureRequest)
class ErasureRequestAdmin(admin.ModelAdmin):
    list_display = ["customer_id", "state", "requested_by", "requested_at", "done_at"]
    readonly_fields = ["customer_id", "reason", "state", "requested_by", "requested_at",
                       "confirmed_by", "done_at", "counts"]  # fmt: skip

    def has_add_permission(self, request):
        return False
