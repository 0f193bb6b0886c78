from django.contrib import admin

from .models import ChatRating, Visitor, Widget


@admin.register(Widget)
class WidgetAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "key", "is_active", "max_upload_mb"]
    readonly_fields = ["created_at"]


@admin.register(Visitor)
class VisitorAdmin(admin.ModelAdmin):
    list_display = ["vid", "widget", "name", "email", "connections", "last_seen"]
    search_fields = ["vid", "name", "email"]
    readonly_fields = ["vid", "connections", "last_seen", "created_at"]


@admin.register(ChatRating)
class ChatRatingAdmin(admin.ModelAdmin):
    list_display = ["ticket", "score", "created_at"]
    list_filter = ["score"]
    raw_id_fields = ["ticket", "visitor"]
