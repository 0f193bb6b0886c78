"""Writing search documents: `index_*` for one object, `sync_*` after a change that moves or
re-labels documents, and the batch builders the rebuild command uses (docs/search.md).

Every function runs inside the caller's transaction: a message rolled back takes its document
with it. The full-text index itself follows the document rows in the database (an FTS5 table
kept by triggers on SQLite, a generated tsvector column on PostgreSQL).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from django.db import connection, transaction

from rapport.customers.models import Customer, Identity
from rapport.lib.text import clean_text, truncate
from rapport.tickets.models import Message, Note, Ticket

from . import collect
from .models import Kind, SearchDocument
from .normalise import index_strings, warm_index_strings


def message_text(subject: str, body: str) -> str:
    return f"{subject}\n{body}" if subject else body


def ticket_text(subject: str, summary: str) -> str:
    return f"{subject}\n{summary}" if summary else subject


def customer_text(name: str, organisation: str, identities: Iterable[str], notes: str) -> str:
    return "\n".join(part for part in (name, organisation, *identities, notes) if part)


def _document(kind: str, object_id: int, text: str, **fields) -> SearchDocument:
    tokens, alternatives = index_strings(text)
    return SearchDocument(
        kind=kind, object_id=object_id, tokens=tokens, alternatives=alternatives, **fields
    )


def _save(doc: SearchDocument) -> None:
    docs = collect.pending()
    if docs is not None:  # written together at the end of the unit of work (collect.py)
        docs[(doc.kind, doc.object_id)] = doc
        return
    fields = {
        f.attname: getattr(doc, f.attname)
        for f in SearchDocument._meta.concrete_fields
        if f.attname not in ("id", "kind", "object_id")
    }
    SearchDocument.objects.update_or_create(kind=doc.kind, object_id=doc.object_id, defaults=fields)


# --- one object ---------------------------------------------------------------------------


def message_document(message: Message, ticket: Ticket) -> SearchDocument:
    return _document(
        Kind.MESSAGE,
        message.pk,
        message_text(message.subject, message.body_text),
        ticket_id=ticket.pk,
        team_id=ticket.team_id,
        customer_id=message.customer_id,
        status=ticket.status,
        channel=message.channel,  # channel: finds the Telegram messages of an e-mail ticket
        created_at=message.created_at,
    )


def warm_inbound_message(subject: str, body_text: str) -> None:
    """Analyse an inbound message's text before the transaction that stores it (the intake
    worker, while parsing): the texts as tickets.actions.do_add_inbound_message stores them."""
    body = clean_text(body_text)
    if body:
        warm_index_strings(message_text(truncate(clean_text(subject), 255), body))


def index_message(message: Message) -> None:
    _save(message_document(message, message.ticket))


def index_note(note: Note) -> None:
    ticket = note.ticket
    _save(
        _document(
            Kind.NOTE,
            note.pk,
            note.body,
            ticket_id=ticket.pk,
            team_id=ticket.team_id,
            customer_id=ticket.customer_id,
            status=ticket.status,
            channel=ticket.channel,
            created_at=note.created_at,
        )
    )


def index_ticket(ticket: Ticket) -> None:
    """The ticket's own document: its subject and its "current state / next step" summary.
    A merged ticket has none: its messages and notes are found on the one it went into."""
    if ticket.merged_into_id:
        unindex(Kind.TICKET, ticket.pk)
        return
    _save(
        _document(
            Kind.TICKET,
            ticket.pk,
            ticket_text(ticket.subject, ticket.summary),
            ticket_id=ticket.pk,
            team_id=ticket.team_id,
            customer_id=ticket.customer_id,
            status=ticket.status,
            channel=ticket.channel,
            created_at=ticket.created_at,
        )
    )


def index_customer(customer_id: int) -> None:
    docs = collect.pending()
    if docs is not None:  # read once, at the end of the unit of work (a new profile is
        # saved twice: the customer, then its identity)
        docs[(Kind.CUSTOMER, customer_id)] = lambda: _customer_document(_customer(customer_id))
        return
    customer = _customer(customer_id)
    if customer is None:
        return
    if customer.merged_into_id:  # a merged profile is found as the one it became
        SearchDocument.objects.filter(kind=Kind.CUSTOMER, object_id=customer_id).delete()
        return
    _save(_customer_document(customer))


def _customer(customer_id: int) -> Customer | None:
    return Customer.objects.select_related("organisation").filter(pk=customer_id).first()


def _customer_document(customer: Customer | None) -> SearchDocument | None:
    """The customer's document; None for a profile that is gone or merged into another."""
    if customer is None or customer.merged_into_id:
        return None
    identities = Identity.objects.filter(customer_id=customer.pk).values_list("value", flat=True)
    return _document(
        Kind.CUSTOMER,
        customer.pk,
        customer_text(
            customer.name,
            customer.organisation.name if customer.organisation else "",
            identities,
            customer.notes,
        ),
        customer_id=customer.pk,
        created_at=customer.created_at,
    )


def article_text(title: str, body: str) -> str:
    """An article's words: its title and its Markdown body without the markup (a link's
    address, `**`, an image reference are not words of the article)."""
    from rapport.kb.markup import to_text  # rapport.kb builds on this app: imported late

    return f"{title}\n{to_text(body)}"


def article_markers(visibility: str | None = None, language: str | None = None) -> str:
    """The marker token an article query requires: every article document carries
    `xkbarticle`, `xkb<visibility>`, `xkb<language>` and `xkb<visibility><language>`
    (language without its hyphen: zhhans). With the marker in the MATCH, FTS5 walks the
    few article documents' doclist and skips through a common word's million messages;
    starting from the document rows instead costs a doclist seek per article (docs/kb.md)."""
    return "xkb" + ((visibility or "") + (language or "").replace("-", "") or "article")


def _article_document(article, translation) -> SearchDocument:
    """A knowledge-base translation's document (rapport.kb, docs/kb.md). The ticket columns
    carry the article's labels: `status` its visibility (public / internal), `channel` its
    language, `team` its owning team; no ticket, no customer."""
    doc = _document(
        Kind.ARTICLE,
        translation.pk,
        article_text(translation.title, translation.body),
        team_id=article.team_id,
        status=article.visibility,
        channel=translation.language,
        created_at=article.published_at or translation.updated_at,
    )
    visibility, language = article.visibility, translation.language
    markers = [
        article_markers(),
        article_markers(visibility),
        article_markers(None, language),
        article_markers(visibility, language),
    ]
    doc.alternatives = " ".join(filter(None, [doc.alternatives, *markers]))
    return doc


def index_article(article) -> None:
    """A knowledge-base article's documents: one per translation while it is published, none
    otherwise (drafts, in review, archived are never found). Called by rapport.kb.actions in
    the transaction that changes the article."""
    translations = list(article.translations.all())
    ids = [t.pk for t in translations]
    if article.status != "published":
        unindex_article_translations(ids)
        return
    for translation in translations:
        _save(_article_document(article, translation))


def unindex_article_translations(translation_ids) -> None:
    collect.flush()  # collected documents first (collect.py), so none comes back after
    SearchDocument.objects.filter(kind=Kind.ARTICLE, object_id__in=list(translation_ids)).delete()


def unindex(kind: str, object_id: int) -> None:
    collect.flush()
    SearchDocument.objects.filter(kind=kind, object_id=object_id).delete()


# --- changes that move or re-label documents --------------------------------------------


def sync_ticket(ticket_id: int, ticket: Ticket | None = None) -> None:
    """A ticket's status or team changed (through queryset updates, which send no signals):
    its documents take the new values. (A message keeps the customer who wrote it, a Cc
    participant perhaps; customers change only by merging, sync_merged_customers.)
    `ticket`, when given, is the up-to-date instance: no need to read it again."""
    collect.flush()
    row = (
        {"status": ticket.status, "team_id": ticket.team_id}
        if ticket is not None
        else Ticket.objects.filter(pk=ticket_id).values("status", "team_id").first()
    )
    if row is None:
        return
    SearchDocument.objects.filter(ticket_id=ticket_id).exclude(
        status=row["status"], team_id=row["team_id"]
    ).update(**row)


def sync_moved_messages(target_id: int, source_id: int | None = None, message_ids=()) -> None:
    """Messages and notes moved to another ticket (merge, split): documents follow."""
    collect.flush()
    docs = SearchDocument.objects.exclude(kind=Kind.TICKET)
    if source_id is not None:
        docs.filter(ticket_id=source_id).update(ticket_id=target_id)
    if message_ids:
        docs.filter(kind=Kind.MESSAGE, object_id__in=list(message_ids)).update(ticket_id=target_id)
    sync_ticket(target_id)


def sync_merged_customers(target_id: int, source_id: int) -> None:
    collect.flush()
    SearchDocument.objects.filter(customer_id=source_id).exclude(kind=Kind.CUSTOMER).update(
        customer_id=target_id
    )
    index_customer(source_id)
    index_customer(target_id)


# --- batches (manage.py search_rebuild) -----------------------------------------------------
#
# Tickets are rebuilt a range of ticket ids at a time with their messages and notes, so the
# documents' ids follow the tickets' order (their creation order) as live indexing does: the
# search reads the newest matches first (backends.candidates) and must not meet all the notes
# after all the messages.


def _message_docs(first: int, last: int) -> list[SearchDocument]:
    rows = (
        Message.objects.filter(ticket_id__gte=first, ticket_id__lte=last)
        .order_by("ticket_id", "pk")
        .values_list(
            "pk",
            "ticket_id",
            "ticket__team_id",
            "ticket__status",
            "customer_id",
            "channel",
            "created_at",
            "subject",
            "body_text",
        )
    )
    return [
        _document(
            Kind.MESSAGE,
            pk,
            message_text(subject, body),
            ticket_id=ticket_id,
            team_id=team_id,
            customer_id=customer_id,
            status=status,
            channel=channel,
            created_at=created_at,
        )
        for pk, ticket_id, team_id, status, customer_id, channel, created_at, subject, body in rows
    ]


def _note_docs(first: int, last: int) -> list[SearchDocument]:
    rows = (
        Note.objects.filter(ticket_id__gte=first, ticket_id__lte=last)
        .order_by("ticket_id", "pk")
        .values_list(
            "pk",
            "ticket_id",
            "ticket__team_id",
            "ticket__status",
            "ticket__customer_id",
            "ticket__channel",
            "created_at",
            "body",
        )
    )
    return [
        _document(
            Kind.NOTE,
            pk,
            body,
            ticket_id=ticket_id,
            team_id=team_id,
            customer_id=customer_id,
            status=status,
            channel=channel,
            created_at=created_at,
        )
        for pk, ticket_id, team_id, status, customer_id, channel, created_at, body in rows
    ]


def _ticket_docs(first: int, last: int) -> list[SearchDocument]:
    rows = (
        Ticket.objects.filter(pk__gte=first, pk__lte=last, merged_into=None)
        .order_by("pk")
        .values_list(
            "pk", "team_id", "status", "customer_id", "channel", "created_at", "subject", "summary"
        )
    )
    return [
        _document(
            Kind.TICKET,
            pk,
            ticket_text(subject, summary),
            ticket_id=pk,
            team_id=team_id,
            customer_id=customer_id,
            status=status,
            channel=channel,
            created_at=created_at,
        )
        for pk, team_id, status, customer_id, channel, created_at, subject, summary in rows
    ]


def _customer_docs(first: int, last: int) -> list[SearchDocument]:
    customers = list(
        Customer.objects.filter(pk__gte=first, pk__lte=last, merged_into=None)
        .order_by("pk")
        .values_list("pk", "name", "organisation__name", "notes", "created_at")
    )
    identities: dict[int, list[str]] = {}
    for cid, value in Identity.objects.filter(
        customer_id__gte=first, customer_id__lte=last
    ).values_list("customer_id", "value"):
        identities.setdefault(cid, []).append(value)
    return [
        _document(
            Kind.CUSTOMER,
            pk,
            customer_text(name, org or "", identities.get(pk, ()), notes),
            customer_id=pk,
            created_at=created_at,
        )
        for pk, name, org, notes, created_at in customers
    ]


PHASES = ("customers", "tickets", "articles")


def rebuild_articles() -> int:
    """Re-index every knowledge-base article (few: one transaction); returns documents written.
    Documents of translations that are gone or no longer published go too."""
    from django.apps import apps

    article_model = apps.get_model("kb", "Article")
    with transaction.atomic():
        articles = list(
            article_model.objects.filter(status="published").prefetch_related("translations")
        )
        keep = []
        for article in articles:
            for translation in article.translations.all():
                _save(_article_document(article, translation))
                keep.append(translation.pk)
        SearchDocument.objects.filter(kind=Kind.ARTICLE).exclude(object_id__in=keep).delete()
    return len(keep)


def rebuild_batch(phase: str, after: int, size: int) -> tuple[int, int, dict[str, int]]:
    """Re-index the next `size` customers, or tickets with their messages and notes, after id
    `after`, in one transaction: (last id, 0 when there are no more; objects read; documents
    written per kind). Documents of objects in the range that no longer exist go too, so a
    rebuild also cleans."""
    model = Customer if phase == "customers" else Ticket
    ids = list(
        model.objects.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:size]
    )
    if not ids:
        with transaction.atomic():
            stale = SearchDocument.objects.filter(
                **({"kind": Kind.CUSTOMER} if phase == "customers" else {"ticket__isnull": False})
            )
            stale.filter(
                **({"object_id__gt": after} if phase == "customers" else {"ticket_id__gt": after})
            ).delete()
        return 0, 0, {}
    first, last = after + 1, ids[-1]
    if phase == "customers":
        docs = _customer_docs(first, last)
        old = ("kind = %s AND object_id BETWEEN %s AND %s", [Kind.CUSTOMER, first, last])
    else:
        by_ticket: dict[int, list[SearchDocument]] = {}
        for doc in _ticket_docs(first, last) + _message_docs(first, last) + _note_docs(first, last):
            by_ticket.setdefault(doc.ticket_id, []).append(doc)
        docs = [doc for ticket_id in sorted(by_ticket) for doc in by_ticket[ticket_id]]
        old = ("ticket_id BETWEEN %s AND %s", [first, last])
    with transaction.atomic():
        _replace(old, docs)
    counts: dict[str, int] = {}
    for doc in docs:
        counts[doc.kind] = counts.get(doc.kind, 0) + 1
    return last, len(ids), counts


def _sqlite_triggers() -> dict[str, str]:
    """The insert triggers set aside during a rebuild batch (and the delete trigger): FTS5's
    (migration 0001) and the days' ids (0004)."""
    fts = importlib.import_module("rapport.search.migrations.0001_initial")
    days = importlib.import_module("rapport.search.migrations.0004_sqlite_day_ids")
    triggers = {
        name: sql
        for sql in fts.SQLITE
        for name in ("search_fts_insert", "search_fts_delete")
        if f"TRIGGER {name} " in sql
    }
    triggers["search_day_insert"] = days.TRIGGER_INSERT
    return triggers


def _fill_days_sql() -> str:
    days = importlib.import_module("rapport.search.migrations.0004_sqlite_day_ids")
    return days.FILL.format(where="id > %s")


def _replace(old: tuple[str, list], docs: list[SearchDocument]) -> None:
    """Delete the documents matching `old` (SQL on the document table) and insert `docs`.

    On SQLite the FTS5 triggers are set aside for the batch: FTS5 writes a trigger's row
    as a statement of its own, flushing its buffer each time, so a thousand rows through the
    triggers cost seconds and ever more as the index grows (bench/README.md), while one
    INSERT … SELECT into the FTS5 table costs milliseconds. The batch holds SQLite's write
    lock from its first statement (IMMEDIATE transactions), so no other connection ever
    writes while the triggers are away; a failure rolls the DDL back with everything else.
    """
    where, args = old
    table = SearchDocument._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor != "sqlite":
            cursor.execute(f"DELETE FROM {table} WHERE {where}", args)  # noqa: S608 — values are bound
            _insert(docs)
            return
        triggers = _sqlite_triggers()
        for name in triggers:
            cursor.execute(f"DROP TRIGGER {name}")
        cursor.execute(
            "INSERT INTO search_fts(search_fts, rowid, tokens, alternatives) "  # noqa: S608 — values are bound
            f"SELECT 'delete', id, tokens, alternatives FROM {table} WHERE {where}",
            args,
        )
        cursor.execute(f"DELETE FROM {table} WHERE {where}", args)  # noqa: S608 — values are bound
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608 — no values
        newest = cursor.fetchone()[0]
        _insert(docs)
        cursor.execute(
            "INSERT INTO search_fts(rowid, tokens, alternatives) "  # noqa: S608 — values are bound
            f"SELECT id, tokens, alternatives FROM {table} WHERE id > %s",
            [newest],
        )
        cursor.execute(_fill_days_sql(), [newest])
        for sql in triggers.values():
            cursor.execute(sql)


_INSERT_FIELDS = [f for f in SearchDocument._meta.concrete_fields if f.attname != "id"]


def _insert(docs: list[SearchDocument]) -> None:
    """bulk_create without the ORM's per-field compilation (a third of the build's time)."""
    columns = ", ".join(connection.ops.quote_name(f.column) for f in _INSERT_FIELDS)
    marks = ", ".join(["%s"] * len(_INSERT_FIELDS))
    sql = f"INSERT INTO {SearchDocument._meta.db_table} ({columns}) VALUES ({marks})"  # noqa: S608 — values are bound
    rows = [
        [f.get_db_prep_save(getattr(doc, f.attname), connection) for f in _INSERT_FIELDS]
        for doc in docs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
