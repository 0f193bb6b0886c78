from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .actions import do_retry
from .models import InboundRaw, RawState


@admin.register(InboundRaw)
class InboundRawAdmin(admin.ModelAdmin):
    """The quarantine: what could not be processed, why, and a way to try again."""

    list_display = ("received_at", "channel", "sender", "state", "attempts", "short_error")
    list_filter = ("state", "channel")
    search_fields = ("external_id", "sender", "error")
    readonly_fields = (
        "channel",
        "external_id",
        "sender",
        "received_at",
        "state",
        "error",
        "attempts",
        "processed_at",
        "message",
        "raw_preview",
    )
    fields = (*readonly_fields, "payload")
    actions = ["retry"]

    @admin.display(description=_("error"))
    def short_error(self, obj):
        return obj.error[:120]

    @admin.display(description=_("raw source"))
    def raw_preview(self, obj):
        return bytes(obj.raw[:20000]).decode("utf-8", "replace")

    @admin.action(description=_("Process again"))
    def retry(self, request, queryset):
        done = failed = 0
        for raw in queryset.exclude(state=RawState.PROCESSED):
            if do_retry(raw.pk).state == RawState.PROCESSED:
                done += 1
            else:
                failed += 1
        self.message_user(
            request,
            _("%(done)d processed, %(failed)d still quarantined.")
            % {"done": done, "failed": failed},
            messages.SUCCESS if not failed else messages.WARNING,
        )

    def has_add_permission(self, request):
        return False
