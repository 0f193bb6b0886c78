from django import forms
from django.contrib import admin

from .actions import check_template_text
from .models import Macro


class AdminMacroForm(forms.ModelForm):
    class Meta:
        model = Macro
        fields = [
            "name",
            "language",
            "team",
            "body",
            "set_status",
            "add_tags",
            "assign_to_me",
            "assign_team",
            "is_active",
        ]

    def clean_body(self):
        body = self.cleaned_data["body"]
        check_template_text(body)  # unknown placeholders refused here too
        return body


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    form = AdminMacroForm
    list_display = ["name", "language", "team", "usage_count", "is_active"]
    list_filter = ["language", "team", "is_active"]
    search_fields = ["name", "body"]
    readonly_fields = ["usage_count", "last_used_at", "created_by", "created_at", "updated_at"]
