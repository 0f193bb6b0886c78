from django.contrib import admin

from .models import Attempt, Delivery, Endpoint


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "is_active", "consecutive_failures", "created_at"]
    exclude = ["secret"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["event_id", "event_type", "endpoint", "state", "attempts", "next_attempt_at"]
    list_filter = ["state", "event_type"]
    readonly_fields = [f.name for f in Delivery._meta.fields]


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ["delivery", "at", "status_code", "duration_ms", "error"]
    readonly_fields = [f.name for f in Attempt._meta.fields]
