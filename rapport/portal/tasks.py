"""Background tasks of the portal. Tasks take ids and are safe to run twice."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from rapport.kb.links import help_centre_url
from rapport.kb.models import normalise_language


def _mailbox():
    """The desk's customer-facing mailbox that can send: the default team's, else any."""
    from rapport.mail.models import Mailbox

    boxes = Mailbox.objects.filter(is_active=True).exclude(smtp_host="")
    return boxes.filter(team__is_default=True).first() or boxes.order_by("pk").first()


@task()
def send_login_link_task(link_id: int) -> bool:
    """E-mail a sign-in link once: the row is locked and marked sent in the same transaction
    (a failed send rolls back, and the task may be retried)."""
    from rapport.mail.outbound import _connect

    from .actions import LOGIN_LINK_VALID, login_url
    from .models import LoginLink

    with transaction.atomic():
        link = (
            LoginLink.objects.select_for_update()
            .select_related("identity", "identity__customer")
            .filter(pk=link_id, sent_at=None, used_at=None)
            .first()
        )
        if link is None:
            return False
        language = normalise_language(link.language or link.identity.customer.language) or "en"
        with translation.override(language):
            subject = _("Your sign-in link")
            body = _(
                "Hello,\n\nto see your requests and answer them, open this link within "
                "%(minutes)s minutes (it works once):\n\n%(url)s\n\n"
                "If you did not ask for it, ignore this message.\n\n"
                "Answers to common questions: %(help)s\n"
            ) % {
                "minutes": int(LOGIN_LINK_VALID.total_seconds() // 60),
                "url": login_url(link),
                "help": help_centre_url(language),
            }
        mailbox = _mailbox()
        if mailbox is None:
            # No mailbox that sends: the system mail backend (files under make run).
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [link.identity.value])
        else:
            mail = EmailMessage()
            mail["From"] = formataddr((mailbox.from_name or mailbox.name, mailbox.address))
            mail["To"] = link.identity.value
            mail["Subject"] = subject
            mail["Message-ID"] = make_msgid(domain=mailbox.domain)
            mail["Auto-Submitted"] = "auto-generated"
            mail.set_content(body)
            with _connect(mailbox) as smtp:
                smtp.send_message(mail)
        link.sent_at = timezone.now()
        link.save(update_fields=["sent_at"])
    return True
