from django.contrib import admin
from django.db import transaction

from .actions import _enqueue_recompute
from .models import BusinessCalendar, CalendarDay, SlaClock, SlaPolicy


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 1


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "is_default", "time_zone", "holiday_country"]
    inlines = [CalendarDayInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        transaction.on_commit(_enqueue_recompute)  # open tickets' dues follow the calendar


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "order",
        "is_active",
        "priority",
        "channel",
        "customer_kind",
        "first_response_minutes",
        "next_response_minutes",
        "resolution_minutes",
    ]
    list_editable = ["order", "is_active"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(_enqueue_recompute)  # open tickets are re-targeted


@admin.register(SlaClock)
class SlaClockAdmin(admin.ModelAdmin):
    list_display = ["ticket", "kind", "status", "started_at", "due", "breached_at"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["ticket"]
    readonly_fields = [f.name for f in SlaClock._meta.fields]
