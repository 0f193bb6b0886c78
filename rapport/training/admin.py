from django.contrib import admin

from .models import PracticeSession, Scenario, TrainingSettings


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ("key", "builtin", "edited", "is_active", "required", "pass_score")
    readonly_fields = ("data",)


@admin.register(PracticeSession)
class PracticeSessionAdmin(admin.ModelAdmin):
    list_display = ("id", "trainee", "scenario", "language", "status", "turns", "score")
    list_filter = ("status", "language")
    raw_id_fields = ("trainee", "scenario")


admin.site.register(TrainingSettings)
