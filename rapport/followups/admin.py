from django.contrib import admin

from . import models


@admin.register(models.MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "purpose"]
    list_filter = ["purpose"]


@admin.register(models.Outreach)
class OutreachAdmin(admin.ModelAdmin):
    list_display = ["team", "quiet_start", "quiet_end", "time_zone", "greet_at"]


@admin.register(models.FollowUpRule)
class FollowUpRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "trigger", "sku", "category", "delay_days", "kind", "is_active"]
    list_filter = ["team", "trigger", "kind", "is_active"]


@admin.register(models.FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["due_at", "customer", "team", "kind", "purpose", "state"]
    list_filter = ["state", "purpose", "kind", "team"]
    raw_id_fields = ["customer", "ticket", "purchase", "message", "promise", "rule"]


@admin.register(models.Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["customer", "purpose", "granted", "source", "created_at"]
    list_filter = ["purpose", "granted", "source"]
    raw_id_fields = ["customer"]


@admin.register(models.CustomerTimeZone)
class CustomerTimeZoneAdmin(admin.ModelAdmin):
    list_display = ["customer", "time_zone"]
    raw_id_fields = ["customer"]


@admin.register(models.Purchase)
class PurchaseAdmin(admin.ModelAdmin):
    list_display = ["external_id", "customer", "product", "sku", "category", "purchased_at"]
    search_fields = ["external_id", "product", "sku"]
    raw_id_fields = ["customer"]


@admin.register(models.RelatedProduct)
class RelatedProductAdmin(admin.ModelAdmin):
    list_display = ["product", "when_sku", "when_category", "is_active"]


@admin.register(models.PurchaseFeed)
class PurchaseFeedAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active"]
