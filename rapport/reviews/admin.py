from django.contrib import admin

from .actions import do_set_policy
from .models import Review, ReviewPolicy, ReviewSource


@admin.register(ReviewSource)
class ReviewSourceAdmin(admin.ModelAdmin):
    list_display = ("name", "team", "is_active", "webhook_url")
    readonly_fields = ("api_token",)


@admin.register(ReviewPolicy)
class ReviewPolicyAdmin(admin.ModelAdmin):
    list_display = ("team", "negative_max_rating", "response_target_hours", "invitation_url")

    def save_model(self, request, obj, form, change):
        do_set_policy(obj)  # moves the due times of the team's unanswered reviews


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = (
        "source",
        "external_id",
        "rating",
        "author",
        "mood",
        "received_at",
        "replied_at",
    )
    list_filter = ("source", "rating", "mood", "negative")
    search_fields = ("text", "author", "external_id")
    raw_id_fields = ("raw", "message", "ticket", "customer", "replied_by", "reply_message")
