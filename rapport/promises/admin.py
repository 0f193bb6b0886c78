from django.contrib import admin

from .models import Promise


@admin.register(Promise)
class PromiseAdmin(admin.ModelAdmin):
    list_display = ["due_at", "ticket", "agent", "kind", "state", "text"]
    list_filter = ["state", "kind"]
    raw_id_fields = ["ticket", "customer", "agent", "source_message", "created_by"]
    search_fields = ["text"]
