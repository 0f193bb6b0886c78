from django.contrib import admin

from .models import ChurnRisk, Confirmation, FeedbackSettings, Survey


@admin.register(FeedbackSettings)
class FeedbackSettingsAdmin(admin.ModelAdmin):
    list_display = ("team", "surveys_enabled", "period_days", "bad_level")


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("ticket", "customer", "channel", "state", "level", "answered_at")
    list_filter = ("state", "channel", "level")
    raw_id_fields = ("ticket", "customer", "agent", "message")


@admin.register(Confirmation)
class ConfirmationAdmin(admin.ModelAdmin):
    list_display = ("ticket", "customer", "source", "confirmed_at", "reopened_at")
    raw_id_fields = ("ticket", "customer", "recorded_by")


@admin.register(ChurnRisk)
class ChurnRiskAdmin(admin.ModelAdmin):
    list_display = ("customer", "score", "computed_at")
    raw_id_fields = ("customer",)
