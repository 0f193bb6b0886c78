"""Erasure on request, leaving the statistics intact (GDPR art. 17, 152-FZ art. 21;
docs/privacy.md).

What identifies or describes the person goes; what the reports count stays. The customer row,
their tickets and messages stay as rows (so ticket counts, timings, SLA clocks, survey levels,
ratings and the coach's scores of replies are unchanged: reports/raw.py computes the same
figures after as before), but:

- profile: name, notes, birthday emptied; identities, anniversaries, time zone, churn signals
  and portal links deleted; flags' reasons replaced by a tombstone;
- tickets: subject → tombstone, summary emptied; messages: subject, bodies and quoted text →
  tombstone, external ids (which hold e-mail addresses) → a hash; the coach's analysis keeps
  its labels and scores, not the quoted words; internal notes → tombstone;
- attachments: files deleted from storage (the inbound copy and the message's are one file),
  names replaced; raw inbound copies: bytes and payload wiped, sender emptied; sent copies in
  the outbox wiped;
- everything else that quotes them: events' before/after (but status, team and other codes),
  surveys' and ratings' comments, reviews' text and author, follow-ups, promises, calls,
  visits, chat visitors, Telegram contacts, consents' notes, notifications, FAQ questions,
  template uses, grants' reasons, rule firings, webhook deliveries about them;
- the search index loses their messages' and notes' documents, and their tickets' and
  profile's are rewritten (on SQLite the full-text index is then optimised so the old terms
  leave its segments; deleted pages are zeroed: secure_delete).

`find_traces(needles)` scans every text, JSON and binary column of every model, the stored
files and the search service for any of the given strings: the erasure test's proof, and a
check an administrator can run (`manage.py privacy_traces TEXT…`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections import Counter
from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.db.models import Q
from django.db.models.functions import Cast
from django.utils import timezone

from rapport.customers.models import Customer
from rapport.tickets.models import Attachment, Event, EventKind, Message, Note, Ticket

log = logging.getLogger(__name__)

TOMBSTONE = "[erased]"
# Event before/after keys whose values are codes or ids, kept so the event log still says
# what happened (status open → solved; team 3 → 4); every other string is replaced.
SAFE_EVENT_KEYS = frozenset(
    {
        "status", "priority", "team", "assignee", "channel", "kind", "state", "level",
        "source", "purpose", "direction", "auto", "clock", "policy", "into", "from", "to",
        "message", "ticket", "customer", "tags", "breached", "due", "sla", "grant", "id",
    }
)  # fmt: skip
# The coach's analysis: labels and scores stay (reports read score and findings' principle).
SAFE_ANALYSIS_KEYS = frozenset(
    {"language", "mood", "signals", "score", "present", "violations", "breakdown"}
)
SAFE_FINDING_KEYS = frozenset({"principle", "label", "severity", "code", "check"})


def _hash_id(value: str) -> str:
    return "erased:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def scrub_json(value, needles=(), key: str | None = None):
    """Strings replaced by the tombstone, unless under a safe key and free of the needles."""
    if isinstance(value, dict):
        return {k: scrub_json(v, needles, k) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_json(v, needles, key) for v in value]
    if isinstance(value, str):
        if key in SAFE_EVENT_KEYS and not any(n.lower() in value.lower() for n in needles):
            return value
        return TOMBSTONE if value else value
    return value


# Events whose plain-string before/after is free text; for the others (status, team, assignee,
# tags, priority) a plain value is a code or a name of ours, kept unless it names the customer.
FREE_TEXT_EVENTS = frozenset({EventKind.SUMMARY, EventKind.SUBJECT})


def scrub_event_value(kind: str, value, needles=()):
    if isinstance(value, str | list) and kind not in FREE_TEXT_EVENTS:
        text = json.dumps(value, ensure_ascii=False).lower()
        return TOMBSTONE if any(n.lower() in text for n in needles) else value
    if isinstance(value, str):
        return TOMBSTONE if value else value
    return scrub_json(value, needles)


def scrub_analysis(analysis):
    if not isinstance(analysis, dict):
        return analysis
    out = {k: v for k, v in analysis.items() if k in SAFE_ANALYSIS_KEYS}
    if isinstance(analysis.get("findings"), list):
        out["findings"] = [
            {k: v for k, v in f.items() if k in SAFE_FINDING_KEYS}
            for f in analysis["findings"]
            if isinstance(f, dict)
        ]
    if isinstance(analysis.get("questions"), list):
        out["questions"] = [{"erased": True} for _q in analysis["questions"]]
    if isinstance(analysis.get("evidence"), list):
        out["evidence"] = [
            {"label": e.get("label")} for e in analysis["evidence"] if isinstance(e, dict)
        ]
    return out


def needles_for(customer: Customer) -> list[str]:
    """The strings that identify the customer: name and every identity value."""
    found = [customer.name] if customer.name else []
    found += list(customer.identities.values_list("value", flat=True))
    return [n for n in dict.fromkeys(found) if len(n) >= 3]


def _delete_file(name: str) -> bool:
    if not name:
        return False
    try:
        if default_storage.exists(name):
            default_storage.delete(name)
            return True
    except OSError:
        log.warning("could not delete %s", name, exc_info=True)
    return False


@contextmanager
def _secure_delete():
    """SQLite: overwrite freed content with zeros while erasing (PRAGMA secure_delete)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        previous = cursor.fetchone()[0]
        cursor.execute("PRAGMA secure_delete = ON")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA secure_delete = {int(previous)}")


def _model(label: str):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _blank(counts: Counter, label: str, lookup: Q, **values) -> None:
    model = _model(label)
    if model is not None:
        counts[label] += model.objects.filter(lookup).update(**values)


def do_erase_customer(customer: Customer, *, actor=None) -> dict:
    """Erase one customer's personal data (see the module's docstring). Idempotent: running it
    again finds nothing left to change. Returns the number of rows changed per kind."""
    from rapport.search import collect, indexing
    from rapport.search.models import Kind, SearchDocument

    needles = needles_for(customer)
    counts: Counter = Counter()
    files: list[str] = []
    with _secure_delete(), transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        # Profiles merged into this one are the same person: their rows that did not move
        # with the merge (name, notes, surveys, purchases…) go too.
        for source in Customer.objects.filter(merged_into=customer).exclude(pk=customer.pk):
            for kind, n in do_erase_customer(source, actor=actor).items():
                counts[kind] += n
        tickets = Ticket.objects.filter(customer=customer)
        ticket_ids = list(tickets.values_list("pk", flat=True))
        on_tickets = Q(ticket_id__in=ticket_ids)
        messages = Message.objects.filter(on_tickets | Q(customer=customer))
        message_ids = list(messages.values_list("pk", flat=True))
        of_messages = Q(message_id__in=message_ids)

        # Attachments and the raw inbound copies (files first: their paths are in the rows).
        for att in Attachment.objects.filter(of_messages):
            files.append(att.file.name)
            att.file = ""
            att.filename = TOMBSTONE
            att.save(update_fields=["file", "filename"])
            counts["attachments"] += 1
        raws = _model("intake.InboundRaw").objects.filter(of_messages)
        raws |= _model("intake.InboundRaw").objects.filter(
            sender__in=list(customer.identities.values_list("value", flat=True))
        )
        for raw in raws:
            for att in (raw.payload or {}).get("attachments") or []:
                if isinstance(att, dict) and att.get("path"):
                    files.append(att["path"])
            raw.raw = b""
            raw.payload = {"erased": True}
            raw.sender = ""
            raw.error = ""
            raw.external_id = _hash_id(raw.external_id)
            if raw.state != "processed":  # not yet processed or quarantined: nothing to retry
                raw.state = "ignored"
            raw.save(update_fields=["raw", "payload", "sender", "error", "external_id", "state"])
            counts["inbound_raw"] += 1

        for m in messages.only("pk", "external_id", "analysis"):
            Message.objects.filter(pk=m.pk).update(
                subject="",
                body_text=TOMBSTONE,
                body_html="",
                body_quoted="",
                external_id=_hash_id(m.external_id) if m.external_id else "",
                analysis=scrub_analysis(m.analysis),
            )
            counts["messages"] += 1
        counts["notes"] += Note.objects.filter(on_tickets).update(body=TOMBSTONE)
        counts["tickets"] += tickets.update(subject=TOMBSTONE, summary="")
        for event in Event.objects.filter(on_tickets | Q(customer=customer)):
            before = scrub_event_value(event.kind, event.before, needles)
            after = scrub_event_value(event.kind, event.after, needles)
            if (before, after) != (event.before, event.after):
                Event.objects.filter(pk=event.pk).update(before=before, after=after)
                counts["events"] += 1

        # Everything else that quotes the customer.
        of_customer = Q(customer=customer)
        _blank(counts, "outbox.Delivery", of_messages, payload={"erased": True}, raw=b"",
               last_error="")  # fmt: skip
        _blank(counts, "feedback.Survey", of_customer | on_tickets, comment="")
        _blank(counts, "feedback.Confirmation", of_customer | on_tickets, note="")
        _blank(counts, "webchat.ChatRating", on_tickets, comment="")
        _blank(counts, "reviews.Review", of_customer | on_tickets, text=TOMBSTONE, author="",
               url="", reply_text=TOMBSTONE, reply_findings=None)  # fmt: skip
        _blank(counts, "followups.FollowUp", of_customer, subject="", text=TOMBSTONE)
        _blank(counts, "followups.Consent", of_customer, note="")
        _blank(counts, "promises.Promise", of_customer | on_tickets, text=TOMBSTONE, outcome="")
        _blank(counts, "phone.Call", of_customer | on_tickets, from_number="", to_number="",
               notes="", recording_url="")  # fmt: skip
        _blank(counts, "phone.Visit", of_customer | on_tickets, visitor_name="", topic="",
               notes="")  # fmt: skip
        _blank(counts, "webchat.Visitor", Q(chats__ticket_id__in=ticket_ids), name="", email="")
        _blank(counts, "telegram.Contact", of_customer, username="", first_name="", last_name="")
        _blank(counts, "notify.Notification", on_tickets, text=TOMBSTONE)
        _blank(counts, "suggest.FaqQuestion", of_messages | on_tickets, text=TOMBSTONE)
        _blank(counts, "macros.MacroUse", on_tickets, filled_text=TOMBSTONE)
        _blank(counts, "approvals.Grant", on_tickets, reason=TOMBSTONE)
        _blank(counts, "rules.RuleFiring", on_tickets, why={}, done={})
        _blank(counts, "customers.CustomerFlag", of_customer, reason=TOMBSTONE)
        counts["webhook_deliveries"] += _scrub_webhooks(customer.pk, ticket_ids, needles)

        # The profile itself.
        for label in ("followups.CustomerTimeZone", "feedback.ChurnRisk"):
            if (model := _model(label)) is not None:
                counts[label] += model.objects.filter(of_customer).delete()[0]
        counts["anniversaries"] += customer.anniversaries.all().delete()[0]
        counts["identities"] += customer.identities.all().delete()[0]  # portal links cascade
        Customer.objects.filter(pk=customer.pk).update(
            name="", notes="", birthday=None, updated_at=timezone.now()
        )
        counts["customers"] += 1

        # The search index, in the same transaction: messages' and notes' documents go (a
        # tombstone is not worth finding); tickets' and the profile's are rewritten, so
        # filters by status, team or channel still list the tickets.
        collect.flush()
        note_ids = list(Note.objects.filter(on_tickets).values_list("pk", flat=True))
        SearchDocument.objects.filter(
            Q(kind=Kind.MESSAGE, object_id__in=message_ids)
            | Q(kind=Kind.NOTE, object_id__in=note_ids)
        ).delete()
        with collect.collected():
            indexing.index_customer(customer.pk)
            for ticket in Ticket.objects.filter(pk__in=ticket_ids):
                indexing.index_ticket(ticket)
        transaction.on_commit(lambda: _after_commit(files))
    return dict(counts)


def _after_commit(files: list[str]) -> None:
    """Files go once the rows no longer point at them (a rollback keeps both)."""
    for name in files:
        _delete_file(name)
        folder = os.path.dirname(os.path.join(settings.MEDIA_ROOT, name))
        if os.path.basename(os.path.dirname(folder)) == "inbound":
            try:
                os.rmdir(folder)  # the raw message's own folder, when now empty
            except OSError:
                pass
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # Merge the full-text segments so deleted terms leave the file too.
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES('optimize')")


def _scrub_webhooks(customer_id: int, ticket_ids: list[int], needles: list[str]) -> int:
    """Webhook deliveries whose payload is about this customer or one of their tickets
    (rapport.webhooks.actions.event_payload: data.customer, data.ticket.id)."""
    model = _model("webhooks.Delivery")
    if model is None:
        return 0
    about = Q(payload__data__customer=customer_id)
    if ticket_ids:
        about |= Q(payload__data__ticket__id__in=ticket_ids)
    changed = 0
    for d in model.objects.filter(about).only("pk", "payload"):
        model.objects.filter(pk=d.pk).update(payload=scrub_json(d.payload, needles))
        changed += 1
    return changed


# --- the proof: is anything left? ----------------------------------------------------------


TEXT_FIELDS = (models.CharField, models.TextField)


def find_traces(needles: list[str], *, files: bool = True, search_as=None) -> list[str]:
    """Where any of `needles` still appears: "app.Model.field #pk", "file:<path>", "search".
    Case-insensitive for ASCII; JSON is searched in both its stored and its escaped form."""
    needles = [n for n in needles if n]
    found: list[str] = []
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            name = field.attname
            if isinstance(field, TEXT_FIELDS) and not field.choices:
                q = Q()
                for n in needles:
                    q |= Q(**{f"{name}__icontains": n})
                qs = model._default_manager.filter(q)
            elif isinstance(field, models.JSONField):
                q = Q()
                for n in needles:
                    q |= Q(_t__icontains=n) | Q(_t__icontains=json.dumps(n)[1:-1])
                qs = model._default_manager.annotate(_t=Cast(name, models.TextField())).filter(q)
            elif isinstance(field, models.BinaryField):
                hits = [
                    pk
                    for pk, blob in model._default_manager.exclude(**{name: b""}).values_list(
                        "pk", name
                    )
                    if blob and any(n.encode() in bytes(blob) for n in needles)
                ]
                found += [f"{model._meta.label}.{name} #{pk}" for pk in hits]
                continue
            else:
                continue
            found += [f"{model._meta.label}.{name} #{pk}" for pk in qs.values_list("pk", flat=True)]
    if files:
        found += _file_traces(needles)
    if search_as is not None:
        from rapport.search.service import search

        for n in needles:
            if search(search_as, f'"{n}"').groups:
                found.append(f"search:{n}")
    return found


def _file_traces(needles: list[str]) -> list[str]:
    raw = [n.encode() for n in needles]
    lowered = [n.lower().encode() for n in needles]
    found = []
    root = str(settings.MEDIA_ROOT)
    for dirpath, _dirs, names in os.walk(root):
        for fname in names:
            path = os.path.join(dirpath, fname)
            rel = os.path.relpath(path, root)
            if any(n.lower() in rel.lower() for n in needles):
                found.append(f"file:{rel}")
                continue
            try:
                with open(path, "rb") as fh:
                    data = fh.read()
            except OSError:
                continue
            if any(n in data for n in raw) or any(n in data.lower() for n in lowered):
                found.append(f"file:{rel}")
    return found
