from django.contrib import admin

from .models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "state", "attempts", "next_attempt_at", "last_error")
    list_filter = ("state", "channel")
    raw_id_fields = ("message",)
    readonly_fields = (
        "message",
        "channel",
        "attempts",
        "started_at",
        "sent_at",
        "payload",
        "created_at",
    )
