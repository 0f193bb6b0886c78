from django.contrib import admin

from .models import Anniversary, Customer, CustomerFlag, Identity, Organisation


class IdentityInline(admin.TabularInline):
    model = Identity
    extra = 0


class AnniversaryInline(admin.TabularInline):
    model = Anniversary
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "kind", "organisation", "language", "created_at")
    list_filter = ("kind", "language")
    search_fields = ("name", "identities__value")
    inlines = [IdentityInline, AnniversaryInline]
    raw_id_fields = ("organisation", "merged_into")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(CustomerFlag)
class CustomerFlagAdmin(admin.ModelAdmin):
    list_display = ("customer", "kind", "reason", "set_by", "created_at", "cleared_at")
    list_filter = ("kind",)
    raw_id_fields = ("customer",)
