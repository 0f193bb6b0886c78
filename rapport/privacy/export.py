"""Everything Rapport holds about one customer (GDPR art. 15 and 20, 152-FZ art. 14;
docs/privacy.md): `collect()` builds one JSON-ready dict — profile, identities, tickets with
their messages and internal notes, surveys, confirmations, reviews, purchases, consents,
follow-ups, promises, calls, visits, chats, Telegram contacts, and every attachment listed
with its SHA-256 — and `build_zip()` packs it with a readable HTML page and the attachments'
bytes into one archive.

The secondary records are serialised field by field (django.core.serializers' python form),
so a field added to one of those models appears in the export without a change here.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date, datetime

from django.apps import apps
from django.core import serializers
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone

from rapport.customers.models import Customer
from rapport.tickets.models import Message, Note, Ticket

FORMAT = "rapport.customer-export/1"

# (section, model label, lookup to the customer): secondary records, serialised as they are.
# A model whose app is not installed is skipped.
RELATED = [
    ("surveys", "feedback.Survey", "customer"),
    ("confirmations", "feedback.Confirmation", "customer"),
    ("reviews", "reviews.Review", "customer"),
    ("purchases", "followups.Purchase", "customer"),
    ("consents", "followups.Consent", "customer"),
    ("follow_ups", "followups.FollowUp", "customer"),
    ("promises", "promises.Promise", "customer"),
    ("calls", "phone.Call", "customer"),
    ("visits", "phone.Visit", "customer"),
    ("chat_visitors", "webchat.Visitor", "chats__ticket__customer"),
    ("chat_ratings", "webchat.ChatRating", "ticket__customer"),
    ("telegram_contacts", "telegram.Contact", "customer"),
]
# Fields never exported: secrets and machine state with no meaning to the person.
SKIP_FIELDS = {"analysis", "raw", "token_hash", "key_hash"}


def _iso(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _rows(model, **lookup) -> list[dict]:
    qs = model.objects.filter(**lookup).distinct().order_by("pk")
    out = []
    for obj in serializers.serialize("python", qs):
        fields = {k: _iso(v) for k, v in obj["fields"].items() if k not in SKIP_FIELDS}
        out.append({"id": obj["pk"], **fields})
    return out


def _sha256(path: str) -> str | None:
    try:
        with default_storage.open(path, "rb") as fh:
            digest = hashlib.sha256()
            for chunk in iter(lambda: fh.read(1 << 16), b""):
                digest.update(chunk)
            return digest.hexdigest()
    except (FileNotFoundError, OSError):
        return None


def _author(user) -> str:
    return user.display_name if user else ""


def collect(customer: Customer) -> dict:
    """The export as plain data (no bytes): what customer.json holds."""
    tickets = list(
        Ticket.objects.filter(customer=customer).select_related("team").order_by("created_at")
    )
    ticket_ids = [t.pk for t in tickets]
    messages = (
        Message.objects.filter(ticket_id__in=ticket_ids)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    by_ticket: dict[int, list] = {pk: [] for pk in ticket_ids}
    attachments = []
    for m in messages:
        atts = []
        for a in m.attachments.all():
            item = {
                "id": a.pk,
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": _sha256(a.file.name) if a.file else None,
                "path_in_archive": f"attachments/{a.pk}-{a.filename}",
            }
            atts.append(item)
            attachments.append({**item, "storage_path": a.file.name})
        by_ticket[m.ticket_id].append(
            {
                "id": m.pk,
                "direction": m.direction,
                "channel": m.channel,
                "at": m.created_at.isoformat(),
                "author": _author(m.author),
                "subject": m.subject,
                "body_text": m.body_text,
                "attachments": atts,
            }
        )
    notes: dict[int, list] = {pk: [] for pk in ticket_ids}
    for n in Note.objects.filter(ticket_id__in=ticket_ids).select_related("author"):
        notes[n.ticket_id].append(
            {
                "id": n.pk,
                "at": n.created_at.isoformat(),
                "author": _author(n.author),
                "body": n.body,
            }
        )
    data = {
        "format": FORMAT,
        "exported_at": timezone.now().isoformat(),
        "customer": {
            "id": customer.pk,
            "name": customer.name,
            "kind": customer.kind,
            "organisation": customer.organisation.name if customer.organisation else "",
            "language": customer.language,
            "preferred_channel": customer.preferred_channel,
            "birthday": _iso(customer.birthday),
            "notes": customer.notes,
            "created_at": customer.created_at.isoformat(),
            "merged_profiles": list(customer.merged_from.values_list("pk", flat=True)),
            "anniversaries": [
                {"label": a.label, "date": a.date.isoformat()} for a in customer.anniversaries.all()
            ],
            "flags": [
                {
                    "kind": f.kind,
                    "reason": f.reason,
                    "set_at": f.created_at.isoformat(),
                    "cleared_at": _iso(f.cleared_at),
                }
                for f in customer.flags.all()
            ],
        },
        "identities": [
            {"kind": i.kind, "value": i.value, "since": i.created_at.isoformat()}
            for i in customer.identities.all()
        ],
        "tickets": [
            {
                "id": t.pk,
                "subject": t.subject,
                "channel": t.channel,
                "status": t.status,
                "team": t.team.name if t.team else "",
                "created_at": t.created_at.isoformat(),
                "solved_at": _iso(t.solved_at),
                "closed_at": _iso(t.closed_at),
                "summary": t.summary,
                "messages": by_ticket[t.pk],
                "notes": notes[t.pk],
            }
            for t in tickets
        ],
        "attachments": [{k: v for k, v in a.items() if k != "storage_path"} for a in attachments],
    }
    for section, label, lookup in RELATED:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        data[section] = _rows(model, **{lookup: customer})
    data["_storage_paths"] = {a["id"]: a["storage_path"] for a in attachments}
    return data


def context(data: dict) -> dict:
    """What the readable page needs: the data, and the secondary sections in order."""
    sections = [(name, data[name]) for name, _label, _lookup in RELATED if name in data]
    return {"data": data, "sections": sections}


def build_zip(customer: Customer) -> tuple[bytes, dict]:
    """(zip bytes, data): customer.json, customer.html, attachments/…, and SHA256SUMS."""
    data = collect(customer)
    paths = data.pop("_storage_paths")
    buf = io.BytesIO()
    sums = []
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()
        zf.writestr("customer.json", body)
        sums.append((hashlib.sha256(body).hexdigest(), "customer.json"))
        html = render_to_string("privacy/export.html", context(data)).encode()
        zf.writestr("customer.html", html)
        sums.append((hashlib.sha256(html).hexdigest(), "customer.html"))
        for att in data["attachments"]:
            try:
                with default_storage.open(paths[att["id"]], "rb") as fh:
                    content = fh.read()
            except (FileNotFoundError, OSError):
                continue  # listed with sha256 null: the file is gone (retention)
            zf.writestr(att["path_in_archive"], content)
            sums.append((hashlib.sha256(content).hexdigest(), att["path_in_archive"]))
        zf.writestr("SHA256SUMS", "".join(f"{h}  {name}\n" for h, name in sums))
    return buf.getvalue(), data
