"""The review channel (CH7) on the one intake path, and its outbox (an optional webhook).

A review arrives as JSON bytes — a CSV row, an API item or the agent's form, each turned into
the same field names — stored raw first by `do_receive_raw("review", …)`. The parser below
validates it (a bad rating or date quarantines the stored review with its reason) and hands
intake an `InboundMessage`; once processed, `attach_review` creates the `Review` row beside
the message (idempotent: the import calls it too, and so does a retry from the admin).
See docs/reviews.md.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import urllib.error
import urllib.request
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.intake.actions import (
    InboundMessage,
    register_after_processed,
    register_parser,
)
from rapport.intake.models import InboundRaw, RawState
from rapport.lib import csvfiles
from rapport.lib.channels import Channel, IdentityKind
from rapport.outbox.actions import Composed, PermanentFailure, TemporaryFailure, register_channel
from rapport.outbox.models import Delivery
from rapport.tickets.models import Message

from .models import DEFAULT_POLICY, Review, ReviewPolicy, ReviewSource

log = logging.getLogger(__name__)

FIELDS = ("id", "rating", "text", "author", "email", "phone", "url", "date", "language")
MAX_TEXT = 20_000
# Moods the coach gives an unhappy message: such a review is negative whatever its stars.
NEGATIVE_MOODS = frozenset({"angry"})
WEBHOOK_TIMEOUT = 10


@dataclass
class ReviewData:
    """One review, validated."""

    external_id: str
    rating: int | None
    text: str
    author: str
    email: str
    phone: str
    url: str
    posted_at: datetime | None
    language: str


def _parse_rating(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if set(value) <= {"★", "☆", " "}:  # some exports write the stars themselves
        stars = value.count("★")
    else:
        try:
            number = float(value.replace(",", ".").split("/")[0])
        except ValueError:
            raise ValidationError(
                _("The rating “%(value)s” is not a number.") % {"value": value[:20]}
            ) from None
        stars = int(number + 0.5)  # 4.5 on Dianping → 5
    if not 1 <= stars <= 5:
        raise ValidationError(
            _("The rating must be from 1 to 5, not “%(value)s”.") % {"value": value[:20]}
        )
    return stars


def parse_date(value: str, tz: zoneinfo.ZoneInfo) -> datetime | None:
    """A review date as exports write it; naive dates are in the importer's time zone."""
    value = value.strip()
    if not value:
        return None
    try:
        parsed = csvfiles.parse_date(value)
    except ValueError:
        raise ValidationError(
            _("The date “%(value)s” is not a date.") % {"value": value[:40]}
        ) from None
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=tz)
    if parsed > timezone.now() + timedelta(days=1):
        raise ValidationError(_("The date “%(value)s” is in the future.") % {"value": value[:40]})
    return parsed


def digest(fields: dict) -> str:
    """An id for a review whose export has none: the same review always gets the same one."""
    h = hashlib.sha256()
    for name in ("author", "date", "rating", "text"):
        h.update(str(fields.get(name) or "").strip().encode())
        h.update(b"\0")
    return "sha256:" + h.hexdigest()[:40]


def clean(fields: dict, tz: zoneinfo.ZoneInfo) -> ReviewData:
    """Validate one review's fields (strings, as a CSV row or JSON gives them)."""
    errors = []
    values = {name: ("" if fields.get(name) is None else str(fields[name])) for name in FIELDS}
    rating = None
    posted_at = None
    try:
        rating = _parse_rating(values["rating"])
    except ValidationError as exc:
        errors.extend(exc.messages)
    try:
        posted_at = parse_date(values["date"], tz)
    except ValidationError as exc:
        errors.extend(exc.messages)
    text = values["text"].strip()
    if rating is None and not text and not errors:
        errors.append(_("The review has neither a rating nor a text."))
    if len(text) > MAX_TEXT:
        errors.append(_("The text is longer than %(n)s characters.") % {"n": MAX_TEXT})
    url = values["url"].strip()
    if url and not re.match(r"https?://", url):
        errors.append(_("The URL “%(value)s” is not a web address.") % {"value": url[:60]})
    if errors:
        raise ValidationError(errors)
    return ReviewData(
        external_id=(values["id"].strip() or digest(values))[:255],
        rating=rating,
        text=text,
        author=values["author"].strip()[:200],
        email=values["email"].strip(),
        phone=values["phone"].strip(),
        url=url[:1000],
        posted_at=posted_at,
        language=values["language"].strip().lower()[:10],
    )


def envelope(source: ReviewSource, fields: dict, *, via: str, tz: str = "UTC", **extra) -> bytes:
    """The raw bytes stored for one review: its fields exactly as they came, and where from."""
    data = {"source": source.pk, "via": via, "tz": tz, "fields": fields, **extra}
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode()


def read_envelope(raw: bytes) -> tuple[ReviewSource, ReviewData]:
    data = json.loads(raw)
    source = ReviewSource.objects.filter(pk=data.get("source")).first()
    if source is None:
        raise ValidationError(_("The review source no longer exists."))
    try:
        tz = zoneinfo.ZoneInfo(data.get("tz") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = zoneinfo.ZoneInfo("UTC")
    problems = list(data.get("problems") or [])  # found by the importer (missing cells)
    try:
        review = clean(data.get("fields") or {}, tz)
    except ValidationError as exc:
        raise ValidationError(problems + exc.messages) from None
    if problems:
        raise ValidationError(problems)
    return source, review


def sender_of(source: ReviewSource, review: ReviewData) -> tuple[str, str]:
    """The identity the review's author is matched by (kind, value): an e-mail address or a
    phone number when the export has one (the customer's profile is found), else the author's
    name on that site."""
    if review.email:
        return IdentityKind.EMAIL, review.email
    if review.phone:
        return IdentityKind.PHONE, review.phone
    who = review.author or f"#{review.external_id}"
    return IdentityKind.REVIEW, f"{source.name}: {who}"


def _subject(source: ReviewSource, review: ReviewData) -> str:
    stars = "★" * review.rating + "☆" * (5 - review.rating) if review.rating else ""
    return " ".join(part for part in (stars, source.name, "—", review.author or "") if part)[:255]


def edit_key(key: str, fields: dict) -> str:
    """The intake key of an edited version of the review stored under `key`: one per content,
    so importing the same edit again stores nothing."""
    h = hashlib.sha256()
    for name in ("rating", "text"):
        h.update(str(fields.get(name) or "").strip().encode())
        h.update(b"\0")
    return f"{key[:230]}#edit:{h.hexdigest()[:16]}"


def content_changed(stored_raw: bytes, fields: dict) -> bool:
    """Whether `fields` change the rating or text of the review stored as `stored_raw`."""
    try:
        old = json.loads(stored_raw).get("fields") or {}
    except ValueError:
        return False
    return any(
        str(old.get(name) or "").strip() != str(fields.get(name) or "").strip()
        for name in ("rating", "text")
    )


def parse(raw: bytes, hints: dict) -> InboundMessage:
    source, review = read_envelope(raw)
    kind, value = sender_of(source, review)
    edit_of = json.loads(raw).get("edit_of") or ""
    return InboundMessage(
        # An edit continues the review's ticket (threaded as an answer to the first version).
        in_reply_to=[edit_of] if edit_of else [],
        channel=Channel.REVIEW,
        sender=value,
        sender_kind=kind,
        sender_name=review.author,
        external_id=f"{source.pk}:{review.external_id}",
        subject=_subject(source, review),
        # A stars-only review still makes a message: its stars are its text.
        body_text=review.text or "★" * (review.rating or 0),
        language=review.language,
        team_id=source.team_id,
    )


register_parser(Channel.REVIEW, parse)


def policy_for(team_id: int | None) -> ReviewPolicy:
    if team_id is None:
        return DEFAULT_POLICY
    return ReviewPolicy.objects.filter(team_id=team_id).first() or DEFAULT_POLICY


def is_negative(rating: int | None, mood: str, policy: ReviewPolicy) -> bool:
    if rating is not None and rating <= policy.negative_max_rating:
        return True
    return mood in NEGATIVE_MOODS


def attach_review(raw: InboundRaw) -> Review | None:
    """The Review beside a processed review message (created once; idempotent). Review
    messages that came otherwise than as a review envelope (a test's or a script's plain
    `do_receive` on the channel) have no Review."""
    if raw.state != RawState.PROCESSED or raw.message_id is None:
        return None
    if raw.payload.get("parsed") is not True or not bytes(raw.raw).startswith(b"{"):
        return None
    existing = Review.objects.filter(message_id=raw.message_id).first()
    if existing is not None:
        return existing
    source, data = read_envelope(bytes(raw.raw))
    message = Message.objects.select_related("ticket").get(pk=raw.message_id)
    original = Review.objects.filter(source=source, external_id=data.external_id).first()
    if original is not None:  # an edited version (or a lost race): the review is updated
        return do_apply_edit(original, data, message)
    return do_create_review(source, data, message, raw=raw, received_at=raw.received_at)


def do_apply_edit(review: Review, data: ReviewData, message: Message) -> Review:
    """The author edited the review on the site: the review shows the new rating and text
    and the coach's reading of them; a review that became negative and is not answered gets
    its answer time from now (FB5)."""
    if review.message_id == message.pk:
        return review
    from rapport.tickets.coaching import analyse

    analysis = message.analysis or analyse(message)
    mood = analysis.get("mood") or ""
    negative = is_negative(data.rating, mood, policy_for(review.ticket.team_id))
    due_at = review.due_at
    if review.replied_at is None:
        if not negative:
            due_at = None
        elif due_at is None:
            due_at = message.created_at + timedelta(
                hours=policy_for(review.ticket.team_id).response_target_hours
            )
    Review.objects.filter(pk=review.pk).update(
        rating=data.rating,
        text=data.text,
        mood=mood,
        signals=analysis.get("signals") or [],
        negative=negative,
        due_at=due_at,
        edited_at=message.created_at,
    )
    review.refresh_from_db()
    return review


def do_create_review(
    source: ReviewSource,
    data: ReviewData,
    message: Message,
    *,
    raw: InboundRaw | None,
    received_at: datetime,
) -> Review:
    """The Review row for a review message: the coach's reading copied onto it (CH7), and
    the answer time when it is negative (FB5)."""
    from rapport.tickets.coaching import analyse  # the coach's reading, now (a few ms)

    analysis = message.analysis or analyse(message)
    mood = analysis.get("mood") or ""
    policy = policy_for(message.ticket.team_id)
    negative = is_negative(data.rating, mood, policy)
    try:
        with transaction.atomic():
            return Review.objects.create(
                source=source,
                external_id=data.external_id,
                rating=data.rating,
                text=data.text,
                author=data.author,
                url=data.url,
                posted_at=data.posted_at,
                language=data.language or analysis.get("language") or "",
                received_at=received_at,
                raw=raw,
                message=message,
                ticket=message.ticket,
                customer_id=message.customer_id,
                mood=mood,
                signals=analysis.get("signals") or [],
                negative=negative,
                due_at=received_at + timedelta(hours=policy.response_target_hours)
                if negative
                else None,
            )
    except IntegrityError:  # another path attached it meanwhile
        return Review.objects.get(message_id=message.pk)


register_after_processed(Channel.REVIEW, attach_review)


# --- The outbox: a published reply POSTed to the source's webhook, if it has one -----------


def compose(message: Message, **options) -> Composed | None:
    # Only the review's published reply goes out: other replies on a review's ticket (typed on
    # the ticket page) have nowhere to go, and must not be posted in public.
    review = Review.objects.filter(reply_message=message).select_related("source").first()
    if review is None or not review.source.webhook_url:
        return None  # nothing to send: the agent posts the reply on the review site
    payload = {
        "url": review.source.webhook_url,
        "review": {"source": review.source.name, "id": review.external_id, "url": review.url},
        "reply": message.body_text,
        "replied_at": message.created_at.isoformat(),
        "replied_by": message.author.display_name if message.author else "",
    }
    body = {k: v for k, v in payload.items() if k != "url"}
    return Composed(payload=payload, raw=json.dumps(body, ensure_ascii=False).encode())


def send(delivery: Delivery) -> str | None:
    url = delivery.payload["url"]
    request = urllib.request.Request(  # noqa: S310 — the URL is configured by an admin
        url,
        data=bytes(delivery.raw),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # noqa: S310
            response.read(1024)
    except urllib.error.HTTPError as exc:
        if 400 <= exc.code < 500 and exc.code not in (408, 429):
            raise PermanentFailure(f"HTTP {exc.code} from the webhook") from exc
        raise TemporaryFailure(f"HTTP {exc.code} from the webhook") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise TemporaryFailure(str(exc)) from exc
    return None


register_channel(Channel.REVIEW, compose=compose, send=send)
