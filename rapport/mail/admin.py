from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Mailbox


class MailboxForm(forms.ModelForm):
    imap_password = forms.CharField(
        label=_("IMAP password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current one."),
    )
    smtp_password = forms.CharField(
        label=_("SMTP password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current one."),
    )

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "address",
            "from_name",
            "team",
            "is_active",
            "imap_host",
            "imap_port",
            "imap_security",
            "imap_username",
            "imap_folder",
            "imap_archive_folder",
            "smtp_host",
            "smtp_port",
            "smtp_security",
            "smtp_username",
            "signature",
            "ack_enabled",
            "ack_templates",
            "max_attachment_bytes",
        ]

    def save(self, commit=True):
        mailbox = super().save(commit=False)
        for name in ("imap_password", "smtp_password"):
            if self.cleaned_data.get(name):
                setattr(mailbox, name, self.cleaned_data[name])  # encrypted by the model
        if commit:
            mailbox.save()
        return mailbox


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ("name", "address", "team", "is_active", "last_polled_at", "last_error")
    readonly_fields = (
        "inbound_endpoint",
        "last_uid",
        "uidvalidity",
        "last_polled_at",
        "last_error",
    )

    @admin.display(description=_("raw-MIME endpoint"))
    def inbound_endpoint(self, obj):
        if not obj.pk:
            return "—"
        return f"POST /mail/inbound/{obj.pk}/  Authorization: Bearer {obj.inbound_token}"
