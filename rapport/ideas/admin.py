from django.contrib import admin

from .models import Idea


@admin.register(Idea)
class IdeaAdmin(admin.ModelAdmin):
    list_display = ["text", "status", "category", "team", "author", "vote_count", "created_at"]
    list_filter = ["status", "category", "team"]
    search_fields = ["text", "details"]
    readonly_fields = ["keywords", "vote_count", "author", "ticket"]
