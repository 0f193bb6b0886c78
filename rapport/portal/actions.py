"""The portal's actions (docs/portal.md; CH1, TR1).

check_contact_files / do_submit_contact   the public contact form → the one intake path
do_request_login_link / do_sign_in         e-mail magic links (single use, short-lived)
portal_identity / access_ticket            who is signed in; their own tickets only
do_portal_reply                             a customer's reply → the one intake path
"""

from __future__ import annotations

import logging
import mimetypes
import uuid
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.customers.models import Identity
from rapport.intake.actions import Receipt, do_accept_raw, do_receive_raw
from rapport.lib.channels import Channel, IdentityKind
from rapport.lib.identities import normalise_identity
from rapport.tickets.models import Ticket
from rapport.webchat.limits import UPLOAD_TYPES

from . import limits
from .models import LoginLink
from .transport import encode

log = logging.getLogger(__name__)

LOGIN_SALT = "rapport.portal.login"
LOGIN_LINK_VALID = timedelta(minutes=15)
SESSION_KEY = "portal"  # {"customer": id, "identity": id}: the portal's own session entry


# --- attachments ---------------------------------------------------------------------------


def check_files(uploads) -> list[tuple[str, str, bytes]]:
    """The uploaded files, checked: at most MAX_FILES, each at most MAX_FILE_BYTES, of a type
    the desk opens safely (the web chat's list). Raises ValidationError with a clear message."""
    uploads = list(uploads)
    if len(uploads) > limits.MAX_FILES:
        raise ValidationError(_("You can attach at most %(n)s files.") % {"n": limits.MAX_FILES})
    files = []
    for upload in uploads:
        if upload.size > limits.MAX_FILE_BYTES:
            raise ValidationError(
                _("A file can be at most %(mb)s MB.")
                % {"mb": limits.MAX_FILE_BYTES // (1024 * 1024)}
            )
        content_type = (upload.content_type or "").split(";")[0].strip().lower()
        if content_type not in UPLOAD_TYPES:
            content_type = (mimetypes.guess_type(upload.name or "")[0] or "").lower()
        if content_type not in UPLOAD_TYPES:
            raise ValidationError(
                _("Files of this type cannot be attached: %(name)s") % {"name": upload.name}
            )
        name = (upload.name or "file").replace("/", "_").replace("\\", "_")[:200]
        files.append((name, content_type, upload.read()))
    return files


# --- the one intake path ----------------------------------------------------------------------


def _store(data: dict, files, *, external_id: str, hints: dict | None = None) -> Receipt:
    """Raw first (TR1): the bytes are committed before they are parsed; deferred, the intake
    worker processes them in its next batch."""
    raw = encode(data, files)
    if settings.RAPPORT_INTAKE_DEFERRED:
        return do_accept_raw(
            Channel.WEBFORM, raw, external_id=external_id, hints=hints, sender=data["email"]
        )
    return do_receive_raw(
        Channel.WEBFORM, raw, external_id=external_id, hints=hints, sender=data["email"]
    )


def do_submit_contact(
    *, email: str, name: str, subject: str, text: str, language: str, files, submission: str
) -> Receipt:
    """A contact-form request through the one intake path. `submission` is the form's own id
    (rendered with it): a double submit is stored once."""
    data = {
        "kind": "contact",
        "email": email,
        "name": name,
        "subject": subject,
        "text": text,
        "language": language,
    }
    return _store(data, files, external_id=f"contact:{submission}")


def receipt_token(raw_id: int) -> str:
    """The confirmation page's address part: the stored request's id, signed."""
    return signing.dumps(raw_id, salt="rapport.portal.receipt")


def read_receipt_token(token: str) -> int:
    try:
        raw_id = signing.loads(token, salt="rapport.portal.receipt", max_age=7 * 24 * 3600)
    except signing.BadSignature as exc:
        raise Http404 from exc
    if not isinstance(raw_id, int):
        raise Http404
    return raw_id


def new_submission_id() -> str:
    return uuid.uuid4().hex


# --- magic links --------------------------------------------------------------------------


def login_token(link: LoginLink) -> str:
    return signing.dumps([link.pk, link.nonce], salt=LOGIN_SALT, compress=False)


def login_url(link: LoginLink) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("portal-login-link", args=[login_token(link)])


def do_request_login_link(email: str, *, language: str, ip: str) -> LoginLink | None:
    """Send a sign-in link to `email` if it is a customer's e-mail identity. Says nothing
    either way (the page answers the same: no probing who is a customer). The mail goes out
    after commit, in the background (send_login_link_task), through the desk's mailbox."""
    try:
        value = normalise_identity(IdentityKind.EMAIL, email)
    except ValidationError:
        return None
    identity = Identity.objects.filter(kind=IdentityKind.EMAIL, value=value).first()
    if identity is None:
        return None
    from .tasks import send_login_link_task

    with transaction.atomic():
        link = LoginLink.objects.create(identity=identity, language=language[:10], ip=ip or None)
        transaction.on_commit(lambda: send_login_link_task.enqueue(link.pk))
    return link


class LoginRefused(Exception):  # noqa: N818 — a decision shown to the customer
    pass


def check_login_token(token: str) -> LoginLink:
    """The link a token names, if it is genuine, unused and young enough."""
    try:
        link_id, nonce = signing.loads(
            token, salt=LOGIN_SALT, max_age=LOGIN_LINK_VALID.total_seconds()
        )
    except signing.SignatureExpired as exc:
        raise LoginRefused(_("This sign-in link has expired. Ask for a new one.")) from exc
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise LoginRefused(_("This sign-in link is not valid. Ask for a new one.")) from exc
    link = (
        LoginLink.objects.select_related("identity", "identity__customer")
        .filter(pk=link_id, nonce=nonce)
        .first()
    )
    if link is None:
        raise LoginRefused(_("This sign-in link is not valid. Ask for a new one."))
    if link.used_at is not None:
        raise LoginRefused(_("This sign-in link has been used already. Ask for a new one."))
    if timezone.now() - link.created_at > LOGIN_LINK_VALID:
        raise LoginRefused(_("This sign-in link has expired. Ask for a new one."))
    return link


def do_sign_in(request: HttpRequest, token: str) -> Identity:
    """Use a link once and sign its customer in to the portal (not to the desk: the session
    holds the portal entry only, never an authenticated Django user)."""
    link = check_login_token(token)
    # Single use even when two requests race: only one conditional update wins.
    used = LoginLink.objects.filter(pk=link.pk, used_at=None).update(used_at=timezone.now())
    if not used:
        raise LoginRefused(_("This sign-in link has been used already. Ask for a new one."))
    request.session.cycle_key()  # a new session key at sign-in (no fixation)
    request.session[SESSION_KEY] = {
        "customer": link.identity.customer_id,
        "identity": link.identity_id,
    }
    return link.identity


def do_sign_out(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()


def portal_identity(request: HttpRequest) -> Identity | None:
    """The e-mail identity signed in to the portal, if it still belongs to the same customer
    (an identity moved by a profile merge or removed ends the portal session)."""
    entry = request.session.get(SESSION_KEY)
    if not isinstance(entry, dict):
        return None
    return (
        Identity.objects.select_related("customer")
        .filter(
            pk=entry.get("identity"),
            customer_id=entry.get("customer"),
            kind=IdentityKind.EMAIL,
        )
        .first()
    )


# --- the customer's own tickets -----------------------------------------------------------------


def customer_tickets(customer):
    return Ticket.objects.filter(customer=customer, merged_into=None).order_by("-updated_at")


def access_ticket(customer, pk: int) -> Ticket:
    """The customer's own ticket, or 404 (another customer's id looks like no ticket)."""
    ticket = Ticket.objects.filter(pk=pk, customer=customer).first()
    if ticket is None:
        raise Http404
    return ticket


def do_portal_reply(
    identity: Identity, ticket: Ticket, *, text: str, files, submission: str
) -> Receipt:
    """The customer's reply, through the one intake path, naming the ticket it continues (a
    closed ticket stays closed: intake opens a new one, as for any channel)."""
    data = {
        "kind": "reply",
        "email": identity.value,
        "name": identity.customer.name,
        "subject": "",
        "text": text,
        "language": identity.customer.language,
        "ticket": ticket.pk,
    }
    hints = {"team": ticket.team_id}
    return _store(data, files, external_id=f"portal:{submission}", hints=hints)
