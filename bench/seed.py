#!/usr/bin/env python
"""Seed a benchmark desk: N tickets, 3 messages each, in Russian, Chinese and English.

    DATABASE_URL=... RAPPORT_DATA_DIR=... .venv/bin/python bench/seed.py --tickets 1000000

Migrates the (empty) database, then bulk-loads teams, agents, organisations, customers (about
N/5, each with an e-mail identity), tickets over two years with a realistic status mix, three
messages per ticket, some notes, tags and flags, and the event log those would have written.
SQLite gets raw executemany in one transaction; PostgreSQL gets COPY. See bench/README.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import sys
import time
from bisect import bisect
from datetime import UTC, datetime, timedelta
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from bench import corpus as C  # noqa: E402
from rapport.accounts.models import Role, Team, User  # noqa: E402
from rapport.customers.models import (  # noqa: E402
    Customer,
    CustomerFlag,
    Identity,
    Organisation,
)
from rapport.tickets.models import Event, Message, Note, Tag, Ticket  # noqa: E402

EPOCH = datetime(1970, 1, 1, tzinfo=UTC).replace(tzinfo=None)
DAY = 86400.0
HOUR = 3600.0

BENCH_AGENT = "bench-agent"
BENCH_SUPERVISOR = "bench-supervisor"
BENCH_PASSWORD = "bench-password"

CHANNELS = ["email", "webchat", "phone", "telegram", "webform", "desk", "review", "api"]
CHANNEL_CUM = list(itertools.accumulate([45, 20, 10, 10, 8, 3, 2, 2]))
PRIORITIES = [1, 2, 3, 4]
PRIORITY_CUM = list(itertools.accumulate([15, 65, 15, 5]))
# (statuses, cumulative weights) by the ticket's age
STATUS_YOUNG = (["new", "open", "pending", "solved"], [25, 65, 90, 100])  # < 2 days
STATUS_RECENT = (["open", "pending", "solved", "closed"], [15, 30, 75, 100])  # < 14 days
STATUS_OLD = (["open", "pending", "solved", "closed"], [4, 10, 100, 1000])  # per mille


def ts_str(ts: float) -> str:
    """A UTC timestamp as Django stores it (naive UTC text on SQLite; UTC session on PG)."""
    return str(EPOCH + timedelta(seconds=ts))


def columns(model, attnames: list[str]) -> list[str]:
    """The table columns for `attnames`, checked against the model: every column is written."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    missing = set(fields) - set(attnames)
    unknown = set(attnames) - set(fields)
    if missing or unknown:
        raise SystemExit(
            f"{model.__name__}: columns changed (missing {missing}, "
            f"unknown {unknown}); update bench/seed.py"
        )
    return [fields[a].column for a in attnames]


class Writer:
    """Bulk rows into one table: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self):
        self.vendor = connection.vendor
        connection.ensure_connection()
        self.raw = connection.connection
        self.rows = 0

    def write(self, model, attnames: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        table = model._meta.db_table if not isinstance(model, str) else model
        cols = columns(model, attnames) if not isinstance(model, str) else attnames
        self.rows += len(rows)
        if self.vendor == "sqlite":
            marks = ",".join("?" * len(cols))
            self.raw.executemany(f'INSERT INTO "{table}" ({",".join(cols)}) VALUES ({marks})', rows)
        else:
            with (
                self.raw.cursor() as cur,
                cur.copy(f'COPY "{table}" ({",".join(cols)}) FROM STDIN') as copy,
            ):
                for row in rows:
                    copy.write_row(row)


def weighted(rng: random.Random, items: list, cum: list, k: int) -> list:
    return rng.choices(items, cum_weights=cum, k=k)


def make_staff(rng: random.Random):
    """Teams, agents (each in one or two teams), the bench agent and supervisor, tags."""
    teams = [Team(name=name, is_default=(i == 0)) for i, name in enumerate(C.TEAM_NAMES)]
    Team.objects.bulk_create(teams)
    password = make_password(BENCH_PASSWORD)
    users = []
    for i in range(48):
        lang = C.LANGUAGES[i % 3]
        first = C.FIRST_NAMES[lang][i % len(C.FIRST_NAMES[lang])][0]
        last = C.LAST_NAMES[lang][(i * 7) % len(C.LAST_NAMES[lang])][0]
        users.append(
            User(
                username=f"agent{i:02d}",
                first_name=first,
                last_name=last,
                email=f"agent{i:02d}@rapport.example",
                password=password,
                language={"zh": "zh-hans"}.get(lang, lang),
            )
        )
    users.append(
        User(
            username=BENCH_AGENT,
            first_name="Bench",
            last_name="Agent",
            email="bench-agent@rapport.example",
            password=password,
        )
    )
    users.append(
        User(
            username=BENCH_SUPERVISOR,
            first_name="Bench",
            last_name="Supervisor",
            email="bench-supervisor@rapport.example",
            password=password,
            role=Role.SUPERVISOR,
        )
    )
    User.objects.bulk_create(users)
    users = list(User.objects.order_by("id"))
    team_agents: dict[int, list[tuple[int, str]]] = {t.pk: [] for t in teams}
    through = Team.members.through
    links = []
    team_cum = list(itertools.accumulate(C.TEAM_WEIGHTS))
    for i, user in enumerate(users):
        if user.username == BENCH_SUPERVISOR:
            continue
        if user.username == BENCH_AGENT:
            member_of = [teams[0], teams[1]]  # the two teams with the most tickets
        else:
            # Bigger teams get more agents; every team gets at least two.
            member_of = [
                teams[i % len(teams)]
                if i < 2 * len(teams)
                else weighted(rng, teams, team_cum, 1)[0]
            ]
            if rng.random() < 0.3:
                member_of.append(rng.choice(teams))
        for team in {t.pk: t for t in member_of}.values():
            links.append(through(team_id=team.pk, user_id=user.pk))
            team_agents[team.pk].append((user.pk, user.display_name))
    through.objects.bulk_create(links)
    tags = Tag.objects.bulk_create([Tag(name=n) for n in C.TAG_NAMES])
    return teams, team_agents, [t.pk for t in tags], [u.pk for u in users]


def seed_customers(
    w: Writer,
    rng: random.Random,
    n_customers: int,
    n_orgs: int,
    start: float,
    agent_ids: list[int],
    next_event_id,
) -> list[int]:
    """Customers with an e-mail identity (some a phone too); returns each one's language."""
    orgs = Organisation.objects.bulk_create(
        [Organisation(name=f"{C.ORG_WORDS[i % len(C.ORG_WORDS)]} {i + 1}") for i in range(n_orgs)]
    )
    org_ids = [o.pk for o in orgs]
    lang_cum = list(itertools.accumulate(C.LANGUAGE_WEIGHTS))
    langs = weighted(rng, [0, 1, 2], lang_cum, n_customers + 1)
    cust_cols = [
        "id",
        "name",
        "kind",
        "organisation_id",
        "language",
        "preferred_channel",
        "birthday",
        "notes",
        "merged_into_id",
        "created_at",
        "updated_at",
    ]
    ident_cols = ["id", "customer_id", "kind", "value", "created_at"]
    event_cols = [
        "id",
        "ticket_id",
        "customer_id",
        "actor_id",
        "kind",
        "before",
        "after",
        "created_at",
    ]
    flag_cols = [
        "id",
        "customer_id",
        "kind",
        "reason",
        "set_by_id",
        "created_at",
        "cleared_at",
        "cleared_by_id",
    ]
    flag_kinds = list(C.FLAG_REASONS)
    phone_prefix = {"ru": "+79", "zh": "+861", "en": "+447"}
    ident_id = flag_id = 0
    batch = 20_000
    for lo in range(1, n_customers + 1, batch):
        customers, identities, events, flags = [], [], [], []
        for cid in range(lo, min(lo + batch, n_customers + 1)):
            lang = C.LANGUAGES[langs[cid]]
            first, first_rom = rng.choice(C.FIRST_NAMES[lang])
            last, last_rom = rng.choice(C.LAST_NAMES[lang])
            name = f"{last}{first}" if lang == "zh" else f"{first} {last}"
            email = f"{first_rom}.{last_rom}.{cid}@{rng.choice(C.EMAIL_DOMAINS[lang])}"
            created = ts_str(start - rng.random() * 365 * DAY)
            birthday = (
                (f"{rng.randint(1950, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
                if rng.random() < 0.2
                else None
            )
            customers.append(
                (
                    cid,
                    name,
                    "internal" if rng.random() < 0.01 else "external",
                    rng.choice(org_ids) if org_ids and rng.random() < 0.2 else None,
                    lang,
                    rng.choice(CHANNELS) if rng.random() < 0.3 else "",
                    birthday,
                    "",
                    None,
                    created,
                    created,
                )
            )
            ident_id += 1
            identities.append((ident_id, cid, "email", email, created))
            if rng.random() < 0.3:
                ident_id += 1
                phone = f"{phone_prefix[lang]}{cid:09d}"
                identities.append((ident_id, cid, "phone", phone, created))
            events.append(
                (
                    next_event_id(),
                    None,
                    cid,
                    None,
                    "customer.created",
                    None,
                    json.dumps({"identity": f"email:{email}"}),
                    created,
                )
            )
            r = rng.random()
            if r < 0.004:  # 0.3 % flagged now, 0.1 % flagged once and cleared
                kind = rng.choice(flag_kinds)
                flag_id += 1
                cleared = created if r >= 0.003 else None
                flags.append(
                    (
                        flag_id,
                        cid,
                        kind,
                        C.FLAG_REASONS[kind],
                        rng.choice(agent_ids),
                        created,
                        cleared,
                        rng.choice(agent_ids) if cleared else None,
                    )
                )
                events.append(
                    (
                        next_event_id(),
                        None,
                        cid,
                        flags[-1][4],
                        "customer.flagged",
                        None,
                        json.dumps(kind),
                        created,
                    )
                )
        w.write(Customer, cust_cols, customers)
        w.write(Identity, ident_cols, identities)
        w.write(Event, event_cols, events)
        w.write(CustomerFlag, flag_cols, flags)
    return langs


def seed_tickets(
    w: Writer,
    rng: random.Random,
    n: int,
    n_customers: int,
    langs: list[int],
    now: float,
    teams,
    team_agents,
    tag_ids,
    next_event_id,
    full_events: bool,
):
    span = 730 * DAY
    start = now - span
    step = span / n
    cust_pool, agent_pool = C.body_pools(rng.randrange(1 << 30))
    heavy = max(1, n_customers // 100)  # 1 % of customers write a fifth of the tickets
    team_ids = [t.pk for t in teams]
    team_cum = list(itertools.accumulate(C.TEAM_WEIGHTS))
    ticket_cols = [
        "id",
        "subject",
        "customer_id",
        "channel",
        "status",
        "priority",
        "team_id",
        "assignee_id",
        "summary",
        "merged_into_id",
        "created_at",
        "updated_at",
        "first_response_at",
        "solved_at",
        "closed_at",
        # SLA (rapport.sla): no policy when seeded; bench/sla_scan.py sets clocks.
        "sla_policy_id",
        "first_response_due",
        "next_response_due",
        "resolution_due",
        "sla_due",
        "sla_check_at",
        "sla_state",
        "promised_response_at",
    ]
    msg_cols = [
        "id",
        "ticket_id",
        "direction",
        "channel",
        "customer_id",
        "author_id",
        "subject",
        "body_text",
        "body_html",
        "body_quoted",
        "auto",
        "external_id",
        "split_from_id",
        "created_at",
        "analysis",
    ]
    event_cols = [
        "id",
        "ticket_id",
        "customer_id",
        "actor_id",
        "kind",
        "before",
        "after",
        "created_at",
    ]
    note_cols = ["id", "ticket_id", "author_id", "body", "created_at"]
    tag_table = Ticket.tags.through._meta.db_table
    note_id = 0
    batch = 10_000
    rand = rng.random
    expo = rng.expovariate
    for lo in range(1, n + 1, batch):
        hi = min(lo + batch, n + 1)
        k = hi - lo
        chan = weighted(rng, CHANNELS, CHANNEL_CUM, k)
        prio = weighted(rng, PRIORITIES, PRIORITY_CUM, k)
        team = weighted(rng, team_ids, team_cum, k)
        tickets, messages, events, notes, tags = [], [], [], [], []
        for j, tid in enumerate(range(lo, hi)):
            created = start + (tid - 1 + rand()) * step
            age = now - created
            cid = rng.randrange(heavy) * 100 + 1 if rand() < 0.2 else rng.randrange(n_customers) + 1
            lang = C.LANGUAGES[langs[cid]]
            channel = chan[j]
            team_id = team[j]
            if age < 2 * DAY:
                statuses, cum = STATUS_YOUNG
                status = statuses[bisect(cum, rand() * 100)]
            elif age < 14 * DAY:
                statuses, cum = STATUS_RECENT
                status = statuses[bisect(cum, rand() * 100)]
            else:
                statuses, cum = STATUS_OLD
                status = statuses[bisect(cum, rand() * 1000)]
            # in -> out -> in, compressed for tickets younger than the usual delays
            d1 = 300 + expo(1 / (3 * HOUR))
            d2 = 600 + expo(1 / (12 * HOUR))
            if d1 + d2 > age * 0.8:
                f = age * 0.8 / (d1 + d2)
                d1, d2 = d1 * f, d2 * f
            t1, t2 = created, created + d1
            t3 = t2 + d2
            agents = team_agents[team_id]
            agent_id, agent_name = agents[rng.randrange(len(agents))]
            if status == "new":
                assignee = agent_id if rand() < 0.15 else None
            elif status in ("open", "pending"):
                assignee = agent_id if rand() < 0.9 else None
            else:
                assignee = agent_id
            updated = t3
            solved_at = closed_at = None
            if status == "pending":
                updated = min(t3 + 600 + expo(1 / HOUR), now)
            elif status in ("solved", "closed"):
                solved_at = updated = min(t3 + 600 + expo(1 / (6 * HOUR)), now)
                if status == "closed":
                    closed_at = updated = min(solved_at + (3 + 4 * rand()) * DAY, now)
            subject = C.SUBJECTS[lang][rng.randrange(len(C.SUBJECTS[lang]))]
            s_created, s1, s2, s3 = ts_str(created), ts_str(t1), ts_str(t2), ts_str(t3)
            s_updated = ts_str(updated)
            s_solved = ts_str(solved_at) if solved_at else None
            s_closed = ts_str(closed_at) if closed_at else None
            tickets.append(
                (
                    tid,
                    subject,
                    cid,
                    channel,
                    status,
                    prio[j],
                    team_id,
                    assignee,
                    C.SUMMARIES[lang] if rand() < 0.05 else "",
                    None,
                    s_created,
                    s_updated,
                    None if status == "new" else s2,
                    s_solved,
                    s_closed,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    "",
                    None,
                )
            )
            m = 3 * tid - 2
            pool = cust_pool[lang]
            reply = "Re: " + subject if channel == "email" else ""
            ext = f"<m{m}.{tid}@{'mail' if channel == 'email' else channel}.example>"
            first_body = pool[rng.randrange(len(pool))]
            messages.append(
                (
                    m,
                    tid,
                    "in",
                    channel,
                    cid,
                    None,
                    subject,
                    first_body,
                    "",
                    "",
                    "",
                    ext,
                    None,
                    s1,
                    None,
                )
            )
            if status == "new":  # nobody answered yet: the customer chased twice
                previous = pool[rng.randrange(len(pool))]
                messages.append(
                    (
                        m + 1,
                        tid,
                        "in",
                        channel,
                        cid,
                        None,
                        reply,
                        previous,
                        "",
                        "",
                        "",
                        ext + "2",
                        None,
                        s2,
                        None,
                    )
                )
            else:
                apool = agent_pool[lang]
                previous = apool[rng.randrange(len(apool))].replace("{agent}", agent_name)
                messages.append(
                    (
                        m + 1,
                        tid,
                        "out",
                        channel,
                        cid,
                        agent_id,
                        reply,
                        previous,
                        "",
                        "",
                        "",
                        "",
                        None,
                        s2,
                        None,
                    )
                )
            # An e-mail reply carries the previous message quoted (kept out of the body).
            quoted = "> " + previous.replace("\n", "\n> ") if channel == "email" else ""
            messages.append(
                (
                    m + 2,
                    tid,
                    "in",
                    channel,
                    cid,
                    None,
                    reply,
                    pool[rng.randrange(len(pool))],
                    "",
                    quoted,
                    "",
                    ext + "3",
                    None,
                    s3,
                    None,
                )
            )
            ev = events.append
            ev(
                (
                    next_event_id(),
                    tid,
                    cid,
                    None,
                    "ticket.created",
                    None,
                    json.dumps({"channel": channel}),
                    s_created,
                )
            )
            if full_events:
                ev(
                    (
                        next_event_id(),
                        tid,
                        cid,
                        None,
                        "message.received",
                        None,
                        f'{{"message": {m}}}',
                        s1,
                    )
                )
                if status == "new":
                    ev(
                        (
                            next_event_id(),
                            tid,
                            cid,
                            None,
                            "message.received",
                            None,
                            f'{{"message": {m + 1}}}',
                            s2,
                        )
                    )
                    if assignee:
                        ev(
                            (
                                next_event_id(),
                                tid,
                                cid,
                                None,
                                "ticket.assignee",
                                None,
                                json.dumps(agent_name),
                                s1,
                            )
                        )
                else:
                    ev(
                        (
                            next_event_id(),
                            tid,
                            cid,
                            agent_id,
                            "message.sent",
                            None,
                            f'{{"message": {m + 1}}}',
                            s2,
                        )
                    )
                    ev(
                        (
                            next_event_id(),
                            tid,
                            cid,
                            agent_id,
                            "ticket.assignee",
                            None,
                            json.dumps(agent_name),
                            s2,
                        )
                    )
                    ev(
                        (
                            next_event_id(),
                            tid,
                            cid,
                            agent_id,
                            "ticket.status",
                            '"new"',
                            '"open"',
                            s2,
                        )
                    )
                    if assignee is None:
                        ev(
                            (
                                next_event_id(),
                                tid,
                                cid,
                                agent_id,
                                "ticket.assignee",
                                json.dumps(agent_name),
                                None,
                                s2,
                            )
                        )
                ev(
                    (
                        next_event_id(),
                        tid,
                        cid,
                        None,
                        "message.received",
                        None,
                        f'{{"message": {m + 2}}}',
                        s3,
                    )
                )
                if status == "pending":
                    ev(
                        (
                            next_event_id(),
                            tid,
                            cid,
                            agent_id,
                            "ticket.status",
                            '"open"',
                            '"pending"',
                            s_updated,
                        )
                    )
                elif solved_at:
                    ev(
                        (
                            next_event_id(),
                            tid,
                            cid,
                            agent_id,
                            "ticket.status",
                            '"open"',
                            '"solved"',
                            s_solved,
                        )
                    )
                    if closed_at:
                        ev(
                            (
                                next_event_id(),
                                tid,
                                cid,
                                None,
                                "ticket.status",
                                '"solved"',
                                '"closed"',
                                s_closed,
                            )
                        )
            if rand() < 0.1:
                note_id += 1
                at = ts_str(t1 + (t2 - t1) / 2)
                notes.append((note_id, tid, agent_id, rng.choice(C.NOTES[lang]), at))
                if full_events:
                    ev(
                        (
                            next_event_id(),
                            tid,
                            cid,
                            agent_id,
                            "note.added",
                            None,
                            f'{{"note": {note_id}}}',
                            at,
                        )
                    )
            r = rand()
            if r < 0.35:
                for tag in rng.sample(tag_ids, 2 if r < 0.05 else 1):
                    tags.append((tid, tag))
        w.write(Ticket, ticket_cols, tickets)
        w.write(Message, msg_cols, messages)
        w.write(Event, event_cols, events)
        w.write(Note, note_cols, notes)
        w.write(tag_table, ["ticket_id", "tag_id"], tags)
        if lo == 1 or (hi - 1) % 100_000 == 0 or hi == n + 1:
            print(f"  {hi - 1:>9,} tickets  ({w.rows:,} rows)", flush=True)


def check_foreign_keys() -> None:
    """Every seeded foreign key points at a row (the load ran with FK checks off)."""
    with connection.cursor() as cur:
        for model in (
            Customer,
            Identity,
            CustomerFlag,
            Ticket,
            Ticket.tags.through,
            Message,
            Note,
            Event,
        ):
            for f in model._meta.concrete_fields:
                if not f.is_relation:
                    continue
                table, col = model._meta.db_table, f.column
                target = f.related_model._meta
                cur.execute(
                    f'SELECT COUNT(*) FROM "{table}" c LEFT JOIN "{target.db_table}" p '
                    f'ON p."{target.pk.column}" = c."{col}" '
                    f'WHERE c."{col}" IS NOT NULL AND p."{target.pk.column}" IS NULL'
                )
                bad = cur.fetchone()[0]
                if bad:
                    raise SystemExit(f"{table}.{col}: {bad} dangling references")
    print("  foreign keys: all valid")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, required=True)
    parser.add_argument("--customers", type=int, help="default: tickets / 5")
    parser.add_argument(
        "--organisations",
        type=int,
        default=50,
        help="default 50, at every size: the customer page renders each one "
        "as an <option> (see bench/README.md)",
    )
    parser.add_argument(
        "--events",
        choices=["full", "created"],
        default="full",
        help="full: every event the actions would record; created: only ticket.created",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--check", action="store_true", help="verify foreign keys afterwards")
    args = parser.parse_args()
    n = args.tickets
    n_customers = args.customers or max(10, n // 5)
    n_orgs = args.organisations
    db = connection.settings_dict
    if connection.vendor == "postgresql" and db["NAME"] in ("test", "postgres"):
        raise SystemExit(f"refusing to seed the {db['NAME']!r} database")
    print(
        f"seeding {n:,} tickets, {n_customers:,} customers into {connection.vendor} {db['NAME']}",
        flush=True,
    )

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    if Ticket.objects.exists() or Customer.objects.exists():
        raise SystemExit("the database is not empty: seed a fresh one")
    t_migrate = time.perf_counter() - t0

    rng = random.Random(args.seed)
    now = time.time()
    event_ids = itertools.count(1)
    next_event_id = event_ids.__next__
    w = Writer()
    if connection.vendor == "sqlite":
        # Bulk-load settings: nothing here needs to survive a crash (reseed instead).
        w.raw.execute("PRAGMA journal_mode=OFF")
        w.raw.execute("PRAGMA synchronous=OFF")
        w.raw.execute("PRAGMA cache_size=-1000000")
        w.raw.execute("PRAGMA foreign_keys=OFF")
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Skip per-row FK triggers during COPY (the rows are generated consistent).
            with connection.cursor() as cur:
                cur.execute("SET LOCAL session_replication_role = replica")
        teams, team_agents, tag_ids, user_ids = make_staff(rng)
        agent_ids = [uid for members in team_agents.values() for uid, _ in members]
        langs = seed_customers(
            w, rng, n_customers, n_orgs, now - 730 * DAY, agent_ids, next_event_id
        )
        print(f"  customers done ({w.rows:,} rows)", flush=True)
        seed_tickets(
            w,
            rng,
            n,
            n_customers,
            langs,
            now,
            teams,
            team_agents,
            tag_ids,
            next_event_id,
            args.events == "full",
        )
    t_load = time.perf_counter() - t0 - t_migrate

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            models = [
                Customer,
                Identity,
                CustomerFlag,
                Ticket,
                Ticket.tags.through,
                Message,
                Note,
                Event,
                Organisation,
                Team,
                User,
                Tag,
            ]
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cur.execute(sql)
            # What autovacuum would have done on a desk that grew to this size: statistics,
            # the visibility map (index-only scans) and hint bits (no first-read writes).
            cur.execute("VACUUM (ANALYZE)")
        else:
            w.raw.execute("PRAGMA foreign_keys=ON")
            w.raw.execute("PRAGMA journal_mode=WAL")
            cur.execute("ANALYZE")
    t_total = time.perf_counter() - t0
    if args.check:
        check_foreign_keys()
    print(
        f"seeded {w.rows:,} rows: migrate {t_migrate:.1f}s, load {t_load:.1f}s, "
        f"analyze/vacuum {t_total - t_migrate - t_load:.1f}s, total {t_total:.1f}s"
    )
    print(f"SEED_SECONDS={t_total:.1f}")


if __name__ == "__main__":
    main()
