"""CTI integrations (token shown once, stored hashed), calls and visits in the admin."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import Call, CtiIntegration, Extension, Visit


class ExtensionInline(admin.TabularInline):
    model = Extension
    extra = 1
    raw_id_fields = ["agent"]


def _show_token(request, integration: CtiIntegration, token: str) -> None:
    messages.warning(
        request,
        _(
            "Token for %(name)s — copy it now, it is not shown again: "
            "POST /phone/cti/%(id)s/  Authorization: Bearer %(token)s"
        )
        % {"name": integration.name, "id": integration.pk, "token": token},
    )


@admin.register(CtiIntegration)
class CtiIntegrationAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "team",
        "is_active",
        "events_accepted",
        "events_rejected",
        "last_event_at",
    ]
    readonly_fields = [
        "endpoint",
        "events_accepted",
        "events_rejected",
        "last_rejection",
        "last_event_at",
    ]
    inlines = [ExtensionInline]
    actions = ["regenerate_token"]

    @admin.display(description=_("webhook"))
    def endpoint(self, obj):
        if not obj.pk:
            return _("Saved with a new token, shown once.")
        return f"POST /phone/cti/{obj.pk}/  Authorization: Bearer …"

    def save_model(self, request, obj, form, change):
        token = obj.new_token() if not obj.token_hash else None
        super().save_model(request, obj, form, change)
        if token:
            _show_token(request, obj, token)

    @admin.action(description=_("Generate a new token (the old one stops working)"))
    def regenerate_token(self, request, queryset):
        for integration in queryset:
            token = integration.new_token()
            integration.save(update_fields=["token_hash"])
            _show_token(request, integration, token)


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["started_at", "direction", "from_number", "to_number", "agent", "outcome"]
    list_filter = ["direction", "outcome"]
    raw_id_fields = ["customer", "agent", "ticket", "callback", "logged_by", "integration"]
    search_fields = ["call_id", "from_number", "to_number"]


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["created_at", "topic", "outcome", "agent", "customer"]
    list_filter = ["outcome"]
    raw_id_fields = ["customer", "agent", "ticket"]
