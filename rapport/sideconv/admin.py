from django.contrib import admin

from .departments import do_save_department, forget
from .models import Department, SideConversation, SideMessage


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "domains", "organisation"]
    search_fields = ["name", "email", "domains"]
    readonly_fields = ["organisation"]

    def save_model(self, request, obj, form, change) -> None:
        do_save_department(obj)  # its organisation, and the address cache cleared

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        forget()


class SideMessageInline(admin.TabularInline):
    model = SideMessage
    fields = ["created_at", "direction", "author", "sender", "body_text", "delivery_state"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(SideConversation)
class SideConversationAdmin(admin.ModelAdmin):
    """Read-only: side conversations change through their actions (events, notifications)."""

    list_display = ["subject", "ticket", "kind", "team", "address", "state", "updated_at"]
    list_filter = ["kind", "state"]
    search_fields = ["subject", "address", "token"]
    readonly_fields = [f.name for f in SideConversation._meta.fields]
    inlines = [SideMessageInline]

    def has_add_permission(self, request) -> bool:
        return False
