"""Reviews: taken in (CSV, API, the agent's form), answered in public, policies (CH7, FB5).

See docs/reviews.md.
"""

from __future__ import annotations

import csv
import io
import secrets
import zoneinfo
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.agents.guard import closing_needs_confirmation
from rapport.intake.actions import do_accept_raw, do_receive_raw, do_retry
from rapport.intake.models import InboundRaw, RawState
from rapport.lib import csvfiles
from rapport.lib.channels import Channel
from rapport.outbox.actions import do_queue
from rapport.tickets.actions import do_reply
from rapport.tickets.models import Status

from . import transport
from .models import Review, ReviewPolicy, ReviewSource

MAX_ROWS = 5000
ENCODINGS = tuple(csvfiles.ENCODINGS)  # the choices in the import form

# Column names as review sites' and spreadsheets' exports write them (en, ru, zh).
ALIASES = {
    "id": ("id", "external_id", "review_id", "ид", "номер", "id отзыва", "编号", "评论id"),
    "rating": ("rating", "stars", "score", "оценка", "рейтинг", "звезды", "звёзды", "评分", "星级"),
    "text": ("text", "review", "comment", "текст", "отзыв", "комментарий", "内容", "评论", "评价"),
    "author": ("author", "name", "user", "автор", "имя", "пользователь", "作者", "用户", "昵称"),
    "email": ("email", "e-mail", "почта", "邮箱"),
    "phone": ("phone", "телефон", "电话", "手机"),
    "url": ("url", "link", "ссылка", "链接"),
    "date": ("date", "created", "posted", "дата", "日期", "时间"),
    "language": ("language", "lang", "язык", "语言"),
}
_COLUMN = {alias: name for name, aliases in ALIASES.items() for alias in aliases}


@dataclass
class RowResult:
    line: int  # the CSV line (1 is the header), or the item's index in an API batch
    # "imported", "updated" (edited on the site since), "duplicate", "error", or "accepted"
    # (stored for the intake worker, when deferred)
    status: str
    review: Review | None = None
    errors: list[str] = field(default_factory=list)
    raw_id: int | None = None


@dataclass
class ImportReport:
    encoding: str = ""
    rows: list[RowResult] = field(default_factory=list)
    error: str = ""  # a problem with the whole file (nothing imported)

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def imported(self) -> int:
        return self.count("imported")

    @property
    def accepted(self) -> int:  # stored, processed by the intake worker (deferred)
        return self.count("accepted")

    @property
    def updated(self) -> int:  # edited on the site since the last import
        return self.count("updated")

    @property
    def duplicates(self) -> int:
        return self.count("duplicate")

    @property
    def errors(self) -> list[RowResult]:
        return [row for row in self.rows if row.status == "error"]


def do_receive_review(
    source: ReviewSource,
    fields: dict,
    *,
    via: str,
    tz: str = "UTC",
    problems: list[str] | None = None,
    line: int = 0,
    defer: bool = False,
) -> RowResult:
    """Store one review raw, then take it in through intake (CH7): exactly once per source
    and external id. A bad review is kept, quarantined with its reason; the same review sent
    again corrected (same id) replaces the quarantined bytes and is processed again.

    `defer`: only store it (one insert) and leave the rest to the intake worker's batches
    (RAPPORT_INTAKE_DEFERRED, docs/intake.md); the result is "accepted", or "error" with the
    reasons the worker will quarantine it for (validated here too, for the report)."""
    fields = {str(k): ("" if v is None else str(v)) for k, v in fields.items()}
    external_id = (fields.get("id") or "").strip() or transport.digest(fields)
    raw = transport.envelope(source, fields, via=via, tz=tz, problems=problems or [])
    key = f"{source.pk}:{external_id}"[:255]
    if defer:
        return _accept_review(source, fields, raw, key, line=line, via=via, tz=tz)
    receipt = do_receive_raw(Channel.REVIEW, raw, external_id=key)
    stored = receipt.raw
    if receipt.duplicate and stored.state == RawState.QUARANTINED and bytes(stored.raw) != raw:
        InboundRaw.objects.filter(pk=stored.pk).update(
            raw=raw, payload={"hints": {}, "parsed": False}
        )
        stored = do_retry(stored.pk)
        receipt.duplicate = False
    if stored.state == RawState.QUARANTINED:
        return RowResult(line, "error", errors=stored.error.split("; "), raw_id=stored.pk)
    if receipt.duplicate and transport.content_changed(bytes(stored.raw), fields):
        return _receive_edit(source, fields, key, via=via, tz=tz, line=line)
    review = transport.attach_review(stored)
    status = "duplicate" if receipt.duplicate else "imported"
    return RowResult(line, status, review=review, raw_id=stored.pk)


def _receive_edit(
    source: ReviewSource, fields: dict, key: str, *, via: str, tz: str, line: int
) -> RowResult:
    """The author changed the rating or text: the new version is a message of its own on
    the review's ticket (stored raw like the first), and the review is updated."""
    raw = transport.envelope(source, fields, via=via, tz=tz, edit_of=key)
    receipt = do_receive_raw(Channel.REVIEW, raw, external_id=transport.edit_key(key, fields))
    stored = receipt.raw
    if stored.state == RawState.QUARANTINED:
        return RowResult(line, "error", errors=stored.error.split("; "), raw_id=stored.pk)
    review = transport.attach_review(stored)
    return RowResult(
        line, "duplicate" if receipt.duplicate else "updated", review=review, raw_id=stored.pk
    )


def _accept_review(
    source: ReviewSource, fields: dict, raw: bytes, key: str, *, line: int, via: str, tz: str
) -> RowResult:
    try:
        transport.read_envelope(raw)
        errors = []
    except ValidationError as exc:
        errors = exc.messages
    receipt = do_accept_raw(Channel.REVIEW, raw, external_id=key)
    stored = receipt.raw
    if receipt.duplicate:
        if stored.state == RawState.QUARANTINED and bytes(stored.raw) != raw:
            # Corrected: the worker processes the new bytes (the row lock keeps it once).
            InboundRaw.objects.filter(pk=stored.pk, state=RawState.QUARANTINED).update(
                raw=raw, payload={"hints": {}, "parsed": False}, state=RawState.RECEIVED
            )
        elif stored.state == RawState.QUARANTINED:
            return RowResult(line, "error", errors=stored.error.split("; "), raw_id=stored.pk)
        elif not errors and transport.content_changed(bytes(stored.raw), fields):
            edit = transport.envelope(source, fields, via=via, tz=tz, edit_of=key)
            again = do_accept_raw(Channel.REVIEW, edit, external_id=transport.edit_key(key, fields))
            status = "duplicate" if again.duplicate else "accepted"
            return RowResult(line, status, raw_id=again.raw.pk)
        elif not errors:
            review = Review.objects.filter(raw=stored).first()
            return RowResult(line, "duplicate", review=review, raw_id=stored.pk)
    if errors:
        return RowResult(line, "error", errors=errors, raw_id=stored.pk)
    return RowResult(line, "accepted", raw_id=stored.pk)


def import_csv(
    source: ReviewSource,
    data: bytes,
    *,
    encoding: str = "auto",
    tz: str = "UTC",
    defer: bool = False,
) -> ImportReport:
    """Import reviews from a CSV export: a report per row; good rows imported, bad rows kept
    in quarantine with their reasons; running the same file again stores nothing twice."""
    report = ImportReport()
    try:
        text, report.encoding = csvfiles.decode(data, encoding)
    except ValidationError as exc:
        report.error = " ".join(exc.messages)
        return report
    reader = csv.reader(io.StringIO(text, newline=""), csvfiles.sniff_dialect(text))
    try:
        header = next(reader)
    except StopIteration:
        report.error = _("The file is empty.")
        return report
    except csv.Error as exc:
        report.error = _("The file is not CSV: %(error)s") % {"error": exc}
        return report
    columns = [_COLUMN.get(h.strip().lower().lstrip("\ufeff")) for h in header]
    if "rating" not in columns and "text" not in columns:
        report.error = _(
            "No rating or text column in the header (%(header)s): nothing to import."
        ) % {"header": ", ".join(header)[:200]}
        return report
    try:
        for n, cells in enumerate(reader):
            if n >= MAX_ROWS:
                report.error = _("Only the first %(n)s rows were imported.") % {"n": MAX_ROWS}
                break
            if not any(c.strip() for c in cells):
                continue
            line = reader.line_num
            problems = []
            if len(cells) < len(header):
                missing = [header[i] for i in range(len(cells), len(header))]
                problems.append(
                    _("The row has no value for: %(columns)s.") % {"columns": ", ".join(missing)}
                )
            elif len(cells) > len(header):
                problems.append(
                    _("The row has %(n)s cells, the header %(m)s (a separator inside a text?).")
                    % {"n": len(cells), "m": len(header)}
                )
            fields = {
                name: cell for name, cell in zip(columns, cells, strict=False) if name is not None
            }
            report.rows.append(
                do_receive_review(
                    source, fields, via="csv", tz=tz, problems=problems, line=line, defer=defer
                )
            )
    except csv.Error as exc:
        report.error = _("The file stops being CSV at line %(line)s: %(error)s") % {
            "line": reader.line_num,
            "error": exc,
        }
    return report


def do_publish_reply(
    review: Review, *, actor: User, text: str, findings: list[dict], solve: bool = True
) -> Review:
    """Record the public reply the agent posts on the review site (FB5): who and when, on the
    review and on its ticket (the response clock stops; the source's webhook, if any, gets it
    through the outbox). Assumes a locked, unanswered review."""
    now = timezone.now()
    ticket = review.ticket
    status_after = None
    if solve and ticket.can_become(Status.SOLVED):
        # CQ21: an unhappy customer's ticket is not solved silently; it stays open.
        if not closing_needs_confirmation(ticket, Status.SOLVED):
            status_after = Status.SOLVED
    message = do_reply(
        ticket, author=actor, body_text=text, status_after=status_after, at=now, deliver=False
    )
    review.reply_text = message.body_text
    review.replied_at = now
    review.replied_by = actor
    review.reply_message = message
    review.reply_findings = findings
    review.save(
        update_fields=["reply_text", "replied_at", "replied_by", "reply_message", "reply_findings"]
    )
    # Queued once the message is the review's public reply: the outbox composes only that
    # (a reply typed on the review's ticket page goes nowhere public).
    do_queue(message)
    return review


def check_publish_reply(review_id: int, *, actor: User, text: str, solve: bool = True) -> Review:
    from .checks import review_findings

    text = (text or "").strip()
    if not text:
        raise ValidationError(_("A public reply cannot be empty."))
    with transaction.atomic():
        review = (
            Review.objects.select_for_update(of=("self",))
            .select_related("ticket", "ticket__customer")
            .get(pk=review_id)
        )
        if review.replied_at is not None:
            raise ValidationError(_("This review was already answered."))
        return do_publish_reply(
            review,
            actor=actor,
            text=text,
            findings=review_findings(text, negative=review.negative),
            solve=solve,
        )


def do_set_policy(policy: ReviewPolicy) -> int:
    """Save a team's policy and move the due times of its unanswered negative reviews (and
    which reviews are negative) to it. Returns how many reviews changed."""
    with transaction.atomic():
        policy.save()
        pending = Review.objects.filter(ticket__team_id=policy.team_id, replied_at=None)
        changed = 0
        for review in pending.only("id", "rating", "mood", "received_at", "negative", "due_at"):
            negative = transport.is_negative(review.rating, review.mood, policy)
            due = review.received_at + timedelta(hours=policy.response_target_hours)
            due_at = due if negative else None
            if (negative, due_at) != (review.negative, review.due_at):
                Review.objects.filter(pk=review.pk).update(negative=negative, due_at=due_at)
                changed += 1
    return changed


def do_new_api_token(source: ReviewSource) -> str:
    """Replace the source's API token (the old one stops working at once)."""
    source.api_token = secrets.token_urlsafe(32)
    source.save(update_fields=["api_token"])
    return source.api_token


def time_zone_of(user: User) -> str:
    try:
        zoneinfo.ZoneInfo(user.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return user.time_zone
