from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Bot, Contact


class BotForm(forms.ModelForm):
    api_base_url = forms.URLField(
        label=_("Bot API base URL"),
        initial="https://api.telegram.org",
        assume_scheme="https",
        help_text=_("Change only for a self-hosted Bot API server (or a test double)."),
    )
    token = forms.CharField(
        label=_("bot token"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("From @BotFather. Stored encrypted; leave empty to keep the current one."),
    )

    class Meta:
        model = Bot
        fields = [
            "name",
            "username",
            "team",
            "is_active",
            "api_base_url",
            "max_file_bytes",
            "greetings",
        ]

    def clean(self):
        data = super().clean()
        if not self.instance.token_encrypted and not data.get("token"):
            self.add_error("token", _("A new bot needs its token."))
        return data

    def save(self, commit=True):
        bot = super().save(commit=False)
        if self.cleaned_data.get("token"):
            bot.token = self.cleaned_data["token"]  # encrypted by the model
        if commit:
            bot.save()
        return bot


@admin.register(Bot)
class BotAdmin(admin.ModelAdmin):
    form = BotForm
    list_display = ("name", "username", "team", "is_active", "api_base_url", "rejected")
    readonly_fields = ("webhook_endpoint", "rejected", "last_rejection")

    @admin.display(description=_("webhook"))
    def webhook_endpoint(self, obj):
        if not obj.pk:
            return "—"
        path = reverse("telegram-webhook", args=[obj.pk])
        return _(
            "POST %(path)s — set it with: manage.py telegram_webhook %(id)s --url https://…"
        ) % {
            "path": path,
            "id": obj.pk,
        }


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("__str__", "bot", "user_id", "customer", "language_code", "blocked_at")
    list_filter = ("bot",)
    search_fields = ("username", "first_name", "last_name", "=user_id")
    readonly_fields = [f.name for f in Contact._meta.fields]

    def has_add_permission(self, request):
        return False
