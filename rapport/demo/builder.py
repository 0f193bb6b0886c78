"""Builds the demo desk — teams, agents, customers, tickets — through the real actions.

Customers write through the one intake path (`do_receive`), agents answer, note, tag, assign and
change statuses through the ticket actions, flags and merges go through the customer actions.
Every timestamp the actions accept is set in the past, in order: a reply always follows the
message it answers, and nothing lies in the future. A seeded `random.Random` makes the desk the
same every time, relative to the moment it is built.

Where an action takes no timestamp (merging, splitting, flagging, profile updates), it happens
"now", which is still consistent: those are the last things done to a ticket.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from rapport.accounts.models import Role, Team, User
from rapport.customers.actions import (
    do_add_identity,
    do_flag_customer,
    do_merge_customers,
    do_update_customer,
)
from rapport.customers.models import Anniversary, Customer, CustomerKind, FlagKind, Organisation
from rapport.intake.actions import InboundMessage, do_receive
from rapport.kb.demo import build_demo_articles
from rapport.lib.channels import CONVERSATIONAL, Channel, IdentityKind
from rapport.lib.identities import normalise_identity
from rapport.sla.models import BusinessCalendar, SlaPolicy
from rapport.tickets.actions import (
    do_add_note,
    do_assign,
    do_change_status,
    do_merge_tickets,
    do_reply,
    do_set_priority,
    do_set_summary,
    do_set_tags,
    do_split_message,
)
from rapport.tickets.models import Message, Priority, Status, Ticket

from . import texts as T
from .company import build_demo_company
from .feedback import build_demo_feedback
from .followups import build_demo_followups
from .reviews import build_demo_reviews
from .texts import EN, RU, SCENARIOS, ZH, Scenario

DEMO_PASSWORD = "rapport-demo"  # noqa: S105 — published: printed for anyone trying the demo
SEED = 2025
CUSTOMERS = 150  # customer profiles, two of which end up merged into another
TICKETS = 400
DAYS = 60
MERGED_TICKETS = 4  # a customer wrote twice about one problem
MERGED_CUSTOMERS = 2  # a customer wrote from Telegram before anyone linked it to their profile

TEAMS = [
    ("support", "Support", True),
    ("billing", "Billing", False),
    ("escalations", "Escalations", False),
]

AGENTS = [
    dict(
        username="admin",
        first_name="Alex",
        last_name="Morgan",
        role=Role.ADMIN,
        language=EN,
        time_zone="UTC",
        teams=(),
        is_staff=True,
        is_superuser=True,
    ),
    dict(
        username="anna",
        first_name="Анна",
        last_name="Ковалёва",
        role=Role.AGENT,
        language=RU,
        time_zone="Europe/Moscow",
        teams=("support",),
    ),
    dict(
        username="li.wei",
        first_name="李伟",
        last_name="",
        role=Role.AGENT,
        language=ZH,
        time_zone="Asia/Shanghai",
        teams=("support", "escalations"),
    ),
    dict(
        username="emma",
        first_name="Emma",
        last_name="Whitfield",
        role=Role.AGENT,
        language=EN,
        time_zone="Europe/Dublin",
        teams=("support", "billing"),
    ),
    dict(
        username="dmitry",
        first_name="Дмитрий",
        last_name="Лазарев",
        role=Role.AGENT,
        language=RU,
        time_zone="Asia/Yekaterinburg",
        teams=("billing",),
    ),
    dict(
        username="zhang.min",
        first_name="张敏",
        last_name="",
        role=Role.AGENT,
        language=ZH,
        time_zone="Asia/Shanghai",
        teams=("billing", "support"),
    ),
    dict(
        username="olga",
        first_name="Ольга",
        last_name="Миронова",
        role=Role.SUPERVISOR,
        language=RU,
        time_zone="Europe/Moscow",
        teams=("escalations",),
    ),
    dict(
        username="james",
        first_name="James",
        last_name="Carter",
        role=Role.LEGAL,
        language=EN,
        time_zone="Europe/London",
        teams=("escalations",),
    ),
]
# An outside contractor's agent (MG5): sees only the partner team's tickets (docs/permissions.md).
PARTNER_AGENT = dict(
    username="pat",
    first_name="Pat",
    last_name="Okafor",
    role=Role.PARTNER,
    language=EN,
    time_zone="Europe/London",
)
PARTNER_TICKETS = 12  # Support's English e-mail tickets the partner took over
# Who answers a ticket of a team in a language (the first is the usual one).
ANSWERS = {
    "support": {RU: ["anna"], ZH: ["li.wei", "zhang.min"], EN: ["emma", "emma", "admin"]},
    "billing": {RU: ["dmitry"], ZH: ["zhang.min"], EN: ["emma"]},
    "escalations": {RU: ["olga"], ZH: ["li.wei"], EN: ["olga"]},
}
CHANNEL_WEIGHTS = {
    Channel.EMAIL: 18,
    Channel.WEBFORM: 6,
    Channel.WEBCHAT: 22,
    Channel.TELEGRAM: 18,
    Channel.PHONE: 10,
    Channel.DESK: 5,
    Channel.API: 14,
    Channel.REVIEW: 1,
}
STATUS_WEIGHTS = {
    Status.NEW: 9,
    Status.OPEN: 20,
    Status.PENDING: 13,
    Status.SOLVED: 22,
    Status.CLOSED: 36,
}
# How long ago a ticket in each final state was opened (hours): new ones are recent, closed
# ones old.
AGE_HOURS = {
    Status.NEW: (0.2, 36),
    Status.OPEN: (1, 12 * 24),
    Status.PENDING: (3, 20 * 24),
    Status.SOLVED: (24, 30 * 24),
    Status.CLOSED: (6 * 24, DAYS * 24),
}
CHAT = (Channel.WEBCHAT, Channel.TELEGRAM)
VOICE = (Channel.PHONE, Channel.DESK)
SPECIALS = {"angry": 8, "legal_threat": 5, "manager_request": 6}
SPLIT_FROM = ("late_delivery", "wrong_item", "damaged", "broken_product", "app_crash")
STAFF_DOMAIN = T.STAFF_DOMAIN
MAIL_DOMAINS = ["example.com", "example.net", "example.org"]


@dataclass(eq=False)
class Persona:
    """A person (or department) the demo customers are made from."""

    name: str
    first: str  # how an agent greets them
    lang: str
    group: str  # consumer | org | staff | department | reviewer | duplicate
    kind: str = CustomerKind.EXTERNAL
    org: str = ""
    department: str = ""  # warehouse | sales
    identities: dict[str, str] = field(default_factory=dict)
    birthday: date | None = None
    anniversaries: list[tuple[str, date]] = field(default_factory=list)
    notes: str = ""
    weight: float = 1.0
    twin: Persona | None = None  # a duplicate's real profile, merged into at the end
    vip: str = ""
    customer: Customer | None = None

    def channels(self) -> list[str]:
        by_kind = {
            IdentityKind.EMAIL: [Channel.EMAIL, Channel.WEBFORM],
            IdentityKind.PHONE: [Channel.PHONE, Channel.DESK],
            IdentityKind.WEBCHAT: [Channel.WEBCHAT],
            IdentityKind.TELEGRAM: [Channel.TELEGRAM],
            IdentityKind.API: [Channel.API],
            IdentityKind.REVIEW: [Channel.REVIEW],
        }
        return [c for kind in self.identities for c in by_kind[kind]]


@dataclass(eq=False)
class Plan:
    """One ticket to be played out: who, about what, by which channel, how far it got."""

    persona: Persona
    scenario: Scenario
    channel: str = ""
    status: str = ""
    t0: datetime | None = None
    role: str = ""  # "" | merge (a duplicate arrives and is merged in) | split
    ticket: Ticket | None = None
    first_external_id: str = ""
    extra: dict = field(default_factory=dict)


class DemoBuilder:
    def __init__(self, *, now: datetime | None = None, seed: int = SEED):
        self.rng = random.Random(seed)
        self.now = (now or timezone.now()).replace(microsecond=0)
        self.limit = self.now - timedelta(minutes=2)  # the last moment anything may happen at
        self.serial = itertools.count(1)
        self.taken: set[tuple[str, str]] = set()
        self.users: dict[str, User] = {}
        self.teams: dict[str, Team] = {}
        self.orgs: dict[str, Organisation] = {}
        self.ticket_ids: set[int] = set()
        self.flagged: dict[str, list[Persona]] = {}

    # --- the whole desk ----------------------------------------------------------------------

    def build(self) -> dict[str, int]:
        self.make_teams_and_agents()
        self.make_live_channels()
        self.make_knowledge_base()
        personas = self.make_personas()
        plans = self.plan_tickets(personas)
        for plan in sorted(plans, key=lambda p: p.t0):
            self.play(plan)
        self.merge_customers(personas)
        self.flag_vips(personas)
        self.make_partner_team()  # MG5: before the rollups, so the partner report has figures
        build_demo_feedback(self.limit)  # surveys, answers, confirmations, churn risk (FB1, FB6)
        build_demo_followups(self.teams, self.users, self.limit)  # FB3, FB7: docs/followups.md
        build_demo_reviews(self.teams, self.limit)  # CH7, FB5: docs/reviews.md
        build_demo_company(self.teams, self.users)  # templates, limits, goals: docs/macros.md
        return {
            "teams": Team.objects.count(),
            "agents": User.objects.count(),
            "customers": Customer.objects.count(),
            "tickets": Ticket.objects.count(),
            "messages": Message.objects.count(),
        }

    def make_teams_and_agents(self) -> None:
        for key, name, is_default in TEAMS:
            self.teams[key] = Team.objects.create(name=name, is_default=is_default)
        self.make_service_levels()
        # One hash for the one published demo password: hashing it eight times only costs time.
        password = make_password(DEMO_PASSWORD)
        for spec in AGENTS:
            spec = dict(spec)
            teams = spec.pop("teams")
            user = User.objects.create_user(email=f"{spec['username']}@{STAFF_DOMAIN}", **spec)
            user.password = password
            user.save(update_fields=["password"])
            for key in teams:
                self.teams[key].members.add(user)
            self.users[user.username] = user

    def make_partner_team(self) -> None:
        """An outside contractor (MG5): a partner team with one partner-team agent, who took
        over a share of Support's English e-mail; the partner report compares it with ours."""
        team = Team.objects.create(
            name="Outsourced line",
            is_partner=True,
            partner_company="Callcenter Ltd",
            contract_notes="First response within 4 business hours; monthly quality review.",
        )
        user = User.objects.create_user(
            email=f"{PARTNER_AGENT['username']}@{STAFF_DOMAIN}", **PARTNER_AGENT
        )
        user.password = self.users["admin"].password  # the one demo password, hashed once
        user.save(update_fields=["password"])
        team.members.add(user)
        self.teams["partner"], self.users[user.username] = team, user
        taken = Ticket.objects.filter(
            team=self.teams["support"],
            channel=Channel.EMAIL,
            merged_into=None,
            customer__language=EN,
        ).order_by("pk")[:PARTNER_TICKETS]
        for ticket in taken:
            do_assign(ticket, team=team, assignee=user, actor=self.users["admin"])

    def make_knowledge_base(self) -> None:
        """Help-centre articles in three languages (KN1): rapport/kb/demo.py."""
        build_demo_articles(self.users["anna"], self.users["olga"])

    def make_service_levels(self) -> None:
        """Business hours and SLA targets (RS1) before any ticket, so every demo ticket runs
        its clocks: Moscow hours with Russian holidays for the desk, the Billing team on
        Shanghai hours with Chinese holidays; faster targets for urgent tickets and VIPs."""
        BusinessCalendar.objects.create(
            name="Moscow office",
            is_default=True,
            time_zone="Europe/Moscow",
            holiday_country="RU",
            shorten_pre_holiday_minutes=60,
        )
        BusinessCalendar.objects.create(
            name="Shanghai office",
            team=self.teams["billing"],
            time_zone="Asia/Shanghai",
            holiday_country="CN",
        )
        hour = 60
        for spec in [
            dict(
                name="VIP customers",
                order=10,
                customer_flag=FlagKind.VIP,
                first_response_minutes=hour,
                next_response_minutes=2 * hour,
                resolution_minutes=8 * hour,
            ),
            dict(
                name="Urgent",
                order=20,
                priority=Priority.URGENT,
                first_response_minutes=hour,
                next_response_minutes=2 * hour,
                resolution_minutes=8 * hour,
            ),
            dict(
                name="High",
                order=30,
                priority=Priority.HIGH,
                first_response_minutes=2 * hour,
                next_response_minutes=4 * hour,
                resolution_minutes=16 * hour,
            ),
            dict(
                name="Everyone else",
                order=100,
                first_response_minutes=8 * hour,
                next_response_minutes=8 * hour,
                resolution_minutes=27 * hour,
            ),
        ]:
            SlaPolicy.objects.create(**spec)

    def make_live_channels(self) -> None:
        """The shop's chat widget (CH1, CH3), served on /chat/demo/ by `make run`."""
        from django.conf import settings

        from rapport.webchat.models import Widget

        Widget.objects.create(
            name="Lumen Home website",
            team=self.teams["support"],
            allowed_origins="\n".join(
                dict.fromkeys([settings.SITE_URL, "http://127.0.0.1:8000", "http://localhost:8000"])
            ),
            greetings={
                "en": "Hi! How can we help with your order?",
                "ru": "Здравствуйте! Чем помочь с заказом?",
                "zh": "您好！关于订单有什么可以帮您？",
            },
        )

    # --- customers -----------------------------------------------------------------------------

    def unique(self, kind: str, value: str) -> str:
        """`value`, or a variant of it, that no other persona uses for this kind of identity."""
        candidate = value
        while (kind, normalise_identity(kind, candidate)) in self.taken:
            if kind == IdentityKind.EMAIL:
                local, domain = value.split("@")
                candidate = f"{local}{self.rng.randint(2, 99)}@{domain}"
            else:
                candidate = value + str(self.rng.randint(0, 9))
        self.taken.add((kind, normalise_identity(kind, candidate)))
        return candidate

    def person(self, lang: str) -> tuple[str, str, str]:
        """(full name, how to greet them, a Latin e-mail local part)."""
        rng = self.rng
        if lang == RU:
            female = rng.random() < 0.55
            first, first_latin = rng.choice(T.RU_FEMALE if female else T.RU_MALE)
            male, fem, last_latin = rng.choice(T.RU_SURNAMES)
            latin = f"{first_latin}.{last_latin}{'a' if female else ''}"
            return f"{first} {fem if female else male}", first, latin
        if lang == ZH:
            (family, family_py), (given, given_py) = (
                rng.choice(T.ZH_SURNAMES),
                rng.choice(T.ZH_GIVEN),
            )
            latin = rng.choice(
                [
                    f"{family_py}{given_py}",
                    f"{given_py}.{family_py}",
                    f"{family_py}.{given_py}{rng.randint(80, 99)}",
                ]
            )
            return family + given, family + given, latin
        first, last = rng.choice(T.EN_FIRST), rng.choice(T.EN_LAST)
        latin = rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{first}{rng.randint(1, 99)}"])
        return f"{first} {last}", first, latin.lower().replace("'", "")

    def phone(self, lang: str) -> str:
        rng = self.rng
        if lang == RU:
            number = (
                f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-"
                f"{rng.randint(10, 99)}-{rng.randint(10, 99)}"
            )
        elif lang == ZH:
            number = (
                f"+86 1{rng.choice('3589')}{rng.randint(0, 9)} {rng.randint(1000, 9999)} "
                f"{rng.randint(1000, 9999)}"
            )
        else:  # Ofcom's range reserved for drama: never a real subscriber
            number = f"+44 7700 900{rng.randint(0, 999):03d}"
        return self.unique(IdentityKind.PHONE, number)

    def telegram(self) -> str:
        return self.unique(IdentityKind.TELEGRAM, str(self.rng.randint(100_000_000, 6_999_999_999)))

    def dates_for(self, persona: Persona, birthday: float, anniversary: float) -> None:
        rng, today = self.rng, self.now.date()
        if rng.random() < birthday:
            if rng.random() < 0.08:  # some birthdays fall in the coming fortnight
                soon = today + timedelta(days=rng.randint(0, 14))
                persona.birthday = _same_day(soon, rng.randint(1960, 2002))
            else:
                persona.birthday = date(
                    rng.randint(1955, 2004), rng.randint(1, 12), rng.randint(1, 28)
                )
        if rng.random() < anniversary:
            label = rng.choice(T.ANNIVERSARY_LABELS[persona.lang])
            when = today + timedelta(days=rng.randint(-120, 30))
            persona.anniversaries.append((label, _same_day(when, rng.randint(2012, 2023))))

    def make_personas(self) -> list[Persona]:
        rng = self.rng
        personas: list[Persona] = []
        for name, local, lang, department in T.DEPARTMENTS:
            persona = Persona(
                name=name,
                first=name,
                lang=lang,
                group="department",
                kind=CustomerKind.INTERNAL,
                org=T.STAFF_ORGANISATION,
                department=department,
                notes=T.DEPARTMENT_NOTES[lang],
                weight=4,
            )
            persona.identities[IdentityKind.EMAIL] = self.unique(
                IdentityKind.EMAIL, f"{local}@{STAFF_DOMAIN}"
            )
            if department == "warehouse":
                persona.identities[IdentityKind.PHONE] = self.phone(lang)
            personas.append(persona)
        for lang, count in ((RU, 5), (ZH, 5), (EN, 4)):
            for _ in range(count):
                name, first, latin = self.person(lang)
                persona = Persona(
                    name=name,
                    first=first,
                    lang=lang,
                    group="staff",
                    kind=CustomerKind.INTERNAL,
                    org=T.STAFF_ORGANISATION,
                )
                persona.identities[IdentityKind.EMAIL] = self.unique(
                    IdentityKind.EMAIL, f"{latin}@{STAFF_DOMAIN}"
                )
                if rng.random() < 0.5:
                    persona.identities[IdentityKind.TELEGRAM] = self.telegram()
                if rng.random() < 0.3:
                    persona.identities[IdentityKind.PHONE] = self.phone(lang)
                self.dates_for(persona, birthday=0.9, anniversary=0.3)
                personas.append(persona)
        for lang in (RU, ZH, EN) * 3:
            name, first, latin = self.person(lang)
            persona = Persona(name=name, first=first, lang=lang, group="reviewer", weight=0.3)
            persona.identities[IdentityKind.REVIEW] = self.unique(
                IdentityKind.REVIEW, f"market-review:{latin}"
            )
            personas.append(persona)
        for lang in (RU, ZH, EN):
            for (org, slug), count in zip(T.ORGANISATIONS[lang], (3, 3, 2), strict=True):
                for _ in range(count):
                    name, first, latin = self.person(lang)
                    persona = Persona(
                        name=name, first=first, lang=lang, group="org", org=org, weight=2
                    )
                    persona.identities[IdentityKind.EMAIL] = self.unique(
                        IdentityKind.EMAIL, f"{latin}@{slug}.example"
                    )
                    if rng.random() < 0.6:
                        persona.identities[IdentityKind.PHONE] = self.phone(lang)
                    self.dates_for(persona, birthday=0.4, anniversary=0.2)
                    personas.append(persona)
        consumers = CUSTOMERS - MERGED_CUSTOMERS - len(personas)
        languages = [RU, ZH, EN] * (consumers // 3 + 1)
        telegram_share = {RU: 0.45, ZH: 0.12, EN: 0.35}
        for n in range(consumers):
            lang = languages[n]
            name, first, latin = self.person(lang)
            persona = Persona(
                name=name,
                first=first,
                lang=lang,
                group="consumer",
                weight=rng.choice([1, 1, 1, 1, 2, 2, 3, 5]),
            )
            persona.identities[IdentityKind.EMAIL] = self.unique(
                IdentityKind.EMAIL, f"{latin}@{rng.choice(MAIL_DOMAINS)}"
            )
            every_way = n < 24  # reachable by e-mail, phone and Telegram
            if every_way or rng.random() < 0.55:
                persona.identities[IdentityKind.PHONE] = self.phone(lang)
            if every_way or rng.random() < telegram_share[lang]:
                persona.identities[IdentityKind.TELEGRAM] = self.telegram()
            if rng.random() < 0.45:
                persona.identities[IdentityKind.WEBCHAT] = self.unique(
                    IdentityKind.WEBCHAT, f"visitor-{rng.getrandbits(40):010x}"
                )
            if rng.random() < 0.25:
                persona.identities[IdentityKind.API] = self.unique(
                    IdentityKind.API, f"app-user-{rng.randint(100000, 999999)}"
                )
            if rng.random() < 0.2:
                persona.notes = rng.choice(T.CUSTOMER_NOTES[lang])
            self.dates_for(persona, birthday=0.6, anniversary=0.2)
            personas.append(persona)
        # Two people first wrote from Telegram before anyone linked it to their profile.
        singles = [
            p
            for p in personas
            if p.group == "consumer" and IdentityKind.TELEGRAM not in p.identities
        ]
        for twin in (
            next(p for p in singles if p.lang == RU),
            next(p for p in singles if p.lang == ZH),
        ):
            duplicate = Persona(
                name=twin.first if twin.lang == RU else twin.name,
                first=twin.first,
                lang=twin.lang,
                group="duplicate",
                weight=0,
                twin=twin,
            )
            duplicate.identities[IdentityKind.TELEGRAM] = self.telegram()
            personas.append(duplicate)
        # Key customers: two business contacts and the two most loyal consumers.
        for persona in [p for p in personas if p.group == "org"][::9][:2]:
            persona.vip = T.VIP_REASONS[persona.lang][0]
        loyal = sorted((p for p in personas if p.group == "consumer"), key=lambda p: -p.weight)
        for persona in loyal[:2]:
            persona.vip = T.VIP_REASONS[persona.lang][1]
        assert len(personas) == CUSTOMERS
        return personas

    def complete_profile(self, persona: Persona) -> None:
        """What an agent adds once the person first wrote in: other ways to reach them, their
        organisation, dates that matter."""
        customer, admin = persona.customer, self.users["admin"]
        for kind, value in persona.identities.items():
            do_add_identity(customer, kind, value, actor=admin)
        fields = {}
        if persona.kind != customer.kind:
            fields["kind"] = persona.kind
        if persona.org:
            fields["organisation"] = self.organisation(persona)
        if persona.birthday:
            fields["birthday"] = persona.birthday
        if persona.notes:
            fields["notes"] = persona.notes
        if fields:
            do_update_customer(customer, actor=admin, **fields)
        for label, when in persona.anniversaries:  # no action for these yet: a plain row
            Anniversary.objects.create(customer=customer, label=label, date=when)

    def organisation(self, persona: Persona) -> Organisation:
        if persona.org not in self.orgs:
            notes = (
                "" if persona.org == T.STAFF_ORGANISATION else T.ORGANISATION_NOTES[persona.lang]
            )
            self.orgs[persona.org] = Organisation.objects.create(name=persona.org, notes=notes)
        return self.orgs[persona.org]

    # --- planning ----------------------------------------------------------------------------

    def plan_tickets(self, personas: list[Persona]) -> list[Plan]:
        rng = self.rng
        primaries = TICKETS - 1 - MERGED_TICKETS  # one is split off, some arrive twice
        regulars = [p for p in personas if p.weight > 0]
        chosen = personas + rng.choices(
            regulars, weights=[p.weight for p in regulars], k=primaries - len(personas)
        )
        plans = [Plan(persona=p, scenario=self.pick_scenario(p)) for p in chosen]
        # The special cases, spread over the three languages.
        eligible = {
            lang: [
                plan
                for plan in plans
                if plan.persona.group in ("consumer", "org") and plan.persona.lang == lang
            ]
            for lang in (RU, ZH, EN)
        }
        for pool in eligible.values():
            rng.shuffle(pool)
        for key, count in SPECIALS.items():
            for n in range(count):
                eligible[(RU, ZH, EN)[n % 3]].pop().scenario = SCENARIOS[key]
        for plan in plans:
            plan.channel = self.pick_channel(plan)
            plan.status = self.pick_status(plan)
            low, high = AGE_HOURS[plan.status]
            plan.t0 = (self.now - timedelta(hours=rng.uniform(low, high))).replace(microsecond=0)
        ordinary = [
            plan
            for plan in plans
            if plan.persona.group in ("consumer", "org")
            and plan.scenario.key in SPLIT_FROM + ("refund", "promo_code", "cancel_order")
            and IdentityKind.EMAIL in plan.persona.identities
        ]
        targets = [
            plan
            for plan in ordinary
            if plan.status in (Status.OPEN, Status.PENDING)
            and plan.channel in (Channel.EMAIL, Channel.WEBFORM)
        ]
        for plan in rng.sample(targets, MERGED_TICKETS):
            plan.role = "merge"
        splittable = [
            plan
            for plan in ordinary
            if plan.status == Status.OPEN
            and not plan.role
            and plan.channel == Channel.EMAIL
            and plan.scenario.key in SPLIT_FROM
        ]
        rng.choice(splittable).role = "split"
        # A conversational channel continues the person's open conversation there: a second
        # problem while one is open on the same channel comes by e-mail instead.
        open_chats: set[tuple[int, str]] = set()
        for plan in sorted(plans, key=lambda p: p.t0):
            if plan.channel in CONVERSATIONAL and (id(plan.persona), plan.channel) in open_chats:
                plan.channel = self.pick_channel(
                    plan,
                    avoid={
                        channel
                        for persona_id, channel in open_chats
                        if persona_id == id(plan.persona)
                    },
                )
            if plan.channel in CONVERSATIONAL and plan.status in (
                Status.NEW,
                Status.OPEN,
                Status.PENDING,
            ):
                open_chats.add((id(plan.persona), plan.channel))
        return plans

    def pick_scenario(self, persona: Persona) -> Scenario:
        rng = self.rng
        if persona.group == "reviewer":
            key = "review_negative" if rng.random() < 0.6 else "review_positive"
        elif persona.group == "department":
            key = f"internal_{persona.department}"
        elif persona.group == "staff" and rng.random() < 0.35:
            key = "internal_staff_order"
        elif persona.group == "org" and rng.random() < 0.35:
            key = "invoice"
        else:
            keys = list(T.CONSUMER_WEIGHTS)
            key = rng.choices(keys, weights=[T.CONSUMER_WEIGHTS[k] for k in keys])[0]
        return SCENARIOS[key]

    def pick_channel(self, plan: Plan, avoid: Collection[str] = ()) -> str:
        persona, wanted = plan.persona, plan.scenario.channels
        if persona.group == "duplicate":
            return Channel.TELEGRAM
        available = [c for c in persona.channels() if c not in avoid] or [Channel.EMAIL]
        allowed = [c for c in available if not wanted or c in wanted] or available
        return self.rng.choices(allowed, weights=[CHANNEL_WEIGHTS[c] for c in allowed])[0]

    def pick_status(self, plan: Plan) -> str:
        if plan.scenario.short:
            return self.rng.choices([Status.NEW, Status.SOLVED, Status.CLOSED], [2, 4, 6])[0]
        return self.rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))[0]

    # --- playing one ticket out --------------------------------------------------------------

    def agent_for(self, plan: Plan) -> User:
        key, lang = plan.scenario.key, plan.persona.lang
        if key in ("legal_threat", "data_deletion") and lang == EN:
            return self.users["james"]  # legal answers in English itself
        choices = ANSWERS[plan.scenario.team][lang]
        return self.users[choices[0] if self.rng.random() < 0.75 else self.rng.choice(choices)]

    def gap(self, who: str, channel: str) -> float:
        """Minutes until the next step: chats are quick, e-mail is not."""
        uniform = self.rng.uniform
        if who == "agent":
            if channel in CHAT:
                return uniform(1, 15)
            if channel in VOICE:
                return uniform(10, 180)
            return uniform(20, 60 * 10) if self.rng.random() < 0.7 else uniform(60 * 10, 60 * 30)
        if who == "customer":
            if channel in CHAT:
                return uniform(1, 25)
            return uniform(45, 60 * 36)
        if who == "triage":
            return uniform(1, 6) if channel in CHAT else uniform(3, 90)
        if who == "note":
            return uniform(2, 120)
        if who == "close":  # solved tickets close by themselves after a few quiet days
            return uniform(3 * 24 * 60, 5 * 24 * 60)
        raise ValueError(who)

    def steps_for(self, plan: Plan) -> list[tuple[float, str, dict]]:
        """The ticket's story as (minutes after the previous step, action, details)."""
        rng, channel, status = self.rng, plan.channel, plan.status
        chance = rng.random
        texts = plan.scenario.texts[plan.persona.lang]
        steps: list[tuple[float, str, dict]] = [(0, "in", {"text": rng.choice(texts["open"])})]
        if plan.role == "merge":
            steps.append((rng.uniform(60 * 3, 60 * 20), "duplicate", {}))
        if status == Status.NEW:
            if chance() < 0.35:
                steps.append(
                    (
                        self.gap("customer", channel),
                        "in",
                        {"text": rng.choice(T.CHASE[plan.persona.lang])},
                    )
                )
            if chance() < 0.5:
                steps.append((self.gap("triage", channel), "triage", {"assign": chance() < 0.4}))
            return steps
        steps.append((self.gap("triage", channel), "triage", {"assign": True}))
        if plan.scenario.short:
            steps.append(
                (
                    self.gap("agent", channel),
                    "reply",
                    {"text": texts["resolve"][0], "status": Status.SOLVED},
                )
            )
            if chance() < 0.3:
                steps.append((self.gap("note", channel), "note", {}))
        elif status == Status.OPEN:
            steps.append((self.gap("agent", channel), "reply", {"text": texts["ask"][0]}))
            if plan.role == "split":
                steps.append((self.gap("customer", channel), "split", {}))
            else:
                shape = chance()
                if shape < 0.7:
                    steps.append(
                        (self.gap("customer", channel), "in", {"text": rng.choice(texts["follow"])})
                    )
                if shape >= 0.45:
                    steps.append((self.gap("note", channel), "note", {}))
            if chance() < 0.6:
                stage = "ours" if steps[-1][1] == "in" or steps[-2][1] == "in" else "waiting"
                steps.append((self.gap("note", channel), "summary", {"stage": stage}))
        elif status == Status.PENDING:
            if chance() < 0.55:
                if chance() < 0.3:
                    steps.append((self.gap("note", channel), "note", {}))
                steps.append(
                    (
                        self.gap("agent", channel),
                        "reply",
                        {"text": texts["ask"][0], "status": Status.PENDING},
                    )
                )
                stage = "waiting"
            else:
                steps.append((self.gap("agent", channel), "reply", {"text": texts["ask"][0]}))
                steps.append(
                    (self.gap("customer", channel), "in", {"text": rng.choice(texts["follow"])})
                )
                if chance() < 0.5:
                    steps.append((self.gap("note", channel), "note", {}))
                steps.append(
                    (
                        self.gap("agent", channel),
                        "reply",
                        {"text": texts["resolve"][0], "status": Status.PENDING},
                    )
                )
                stage = "done"
            if chance() < 0.5:
                steps.append((self.gap("note", channel), "summary", {"stage": stage}))
        else:  # solved or closed
            if chance() < 0.25 and plan.scenario.key not in SPECIALS:  # answered in one go
                steps.append(
                    (
                        self.gap("agent", channel),
                        "reply",
                        {"text": texts["resolve"][0], "status": Status.SOLVED},
                    )
                )
            else:
                steps.append((self.gap("agent", channel), "reply", {"text": texts["ask"][0]}))
                steps.append(
                    (self.gap("customer", channel), "in", {"text": rng.choice(texts["follow"])})
                )
                if chance() < 0.5:
                    steps.append((self.gap("note", channel), "note", {}))
                if chance() < 0.5:
                    steps.append((self.gap("note", channel), "summary", {"stage": "done"}))
                steps.append(
                    (
                        self.gap("agent", channel),
                        "reply",
                        {"text": texts["resolve"][0], "status": Status.SOLVED},
                    )
                )
            if chance() < 0.3:  # a thank-you reopens the ticket; the agent solves it again
                steps.append(
                    (
                        self.gap("customer", channel),
                        "in",
                        {"text": rng.choice(T.THANKS[plan.persona.lang])},
                    )
                )
                steps.append((self.gap("note", channel), "status", {"status": Status.SOLVED}))
        if plan.scenario.key == "legal_threat" and status != Status.NEW:
            steps.insert(2, (self.gap("note", channel), "legal_note", {}))
        if status == Status.CLOSED:
            steps.append(
                (self.gap("close", channel), "status", {"status": Status.CLOSED, "system": True})
            )
        return steps

    def play(self, plan: Plan) -> None:
        steps = self.steps_for(plan)
        # Squeeze the story to end before now, keeping its order.
        total = sum(gap for gap, _, _ in steps)
        room = (self.limit - plan.t0).total_seconds() / 60
        scale = min(1.0, room / total) if total else 1.0
        at = plan.t0
        lang = plan.persona.lang
        ctx = self.context(plan)
        agent = self.agent_for(plan)
        if plan.scenario.key == "manager_request":
            ctx["agent"] = agent.get_full_name()
        plan.extra["ctx"] = ctx
        texts = plan.scenario.texts[lang]
        for gap, action, details in steps:
            at = at + timedelta(minutes=gap * scale)
            if action == "in":
                self.customer_writes(plan, details["text"].format(**ctx), at)
            elif action == "duplicate":
                body = T.DUPLICATE_PREFIX[lang] + texts["open"][-1].format(**ctx)
                plan.extra["duplicate"] = self.customer_writes(plan, body, at, fresh=True)
            elif action == "split":
                body = T.SPLIT[lang][0].format(**ctx)
                plan.extra["split"] = self.customer_writes(plan, body, at)
            elif action == "triage":
                self.triage(plan, agent, at, assign=details["assign"])
            elif action == "reply":
                do_reply(
                    plan.ticket,
                    author=agent,
                    body_text=self.reply_text(plan, agent, details["text"].format(**ctx)),
                    status_after=details.get("status"),
                    at=at,
                    deliver=False,
                )  # history: these replies went out long ago
            elif action == "note":
                do_add_note(plan.ticket, author=agent, body=texts["note"][0].format(**ctx), at=at)
            elif action == "legal_note":
                note = SCENARIOS["legal_threat"].texts[EN]["note"][0]
                do_add_note(plan.ticket, author=self.users["james"], body=note, at=at)
            elif action == "summary":
                summary = {
                    "done": texts["summary"][0],
                    "waiting": T.SUMMARY_WAITING[lang],
                    "ours": T.SUMMARY_OUR_TURN[lang],
                }[details["stage"]]
                do_set_summary(plan.ticket, summary.format(**ctx), actor=agent, at=at)
            elif action == "status":
                actor = None if details.get("system") else agent
                do_change_status(plan.ticket, details["status"], actor=actor, at=at)
        self.aftermath(plan, agent, ctx)

    def context(self, plan: Plan) -> dict[str, str]:
        rng, lang = self.rng, plan.persona.lang
        track = {
            RU: f"RP{rng.randint(10**8, 10**9 - 1)}RU",
            ZH: f"SF{rng.randint(10**11, 10**12 - 1)}",
            EN: f"JJD{rng.randint(10**13, 10**14 - 1)}",
        }[lang]
        thanked = self.users[ANSWERS["support"][lang][0]]
        return {
            "order": f"LH-{rng.randint(100000, 999999)}",
            "product": rng.choice(T.PRODUCTS[lang]),
            "amount": rng.choice(T.AMOUNTS[lang]),
            "date": T.format_date(lang, plan.t0 + timedelta(days=rng.randint(2, 5))),
            "past": T.format_date(lang, plan.t0 - timedelta(days=rng.randint(3, 9))),
            "track": track,
            "num": str(rng.randint(1000, 99999)),
            "agent": thanked.first_name,
        }

    def customer_writes(self, plan: Plan, body: str, at: datetime, fresh: bool = False) -> Message:
        """A message from the customer, delivered through intake. The first opens the ticket."""
        persona, channel, lang = plan.persona, plan.channel, plan.persona.lang
        first = plan.ticket is None
        if fresh:  # the duplicate: a new e-mail (or web form) with no reference to the ticket
            channel = Channel.WEBFORM if channel == Channel.EMAIL else Channel.EMAIL
        kind = {
            Channel.EMAIL: IdentityKind.EMAIL,
            Channel.WEBFORM: IdentityKind.EMAIL,
            Channel.PHONE: IdentityKind.PHONE,
            Channel.DESK: IdentityKind.PHONE,
            Channel.WEBCHAT: IdentityKind.WEBCHAT,
            Channel.TELEGRAM: IdentityKind.TELEGRAM,
            Channel.REVIEW: IdentityKind.REVIEW,
            Channel.API: IdentityKind.API,
        }[channel]
        sender = persona.identities[kind]
        if channel in (Channel.EMAIL, Channel.WEBFORM) and persona.group != "department":
            sign = self.rng.choice(T.CUSTOMER_SIGNOFF[lang])
            body = f"{body}\n\n{sign.format(name=persona.name, first=persona.first)}"
        elif channel in (Channel.EMAIL, Channel.WEBFORM):
            body = f"{body}\n\n{persona.name}"
        body = T.CHANNEL_PREFIX.get(channel, {}).get(lang, "") + body
        n = next(self.serial)
        external_id = (
            f"<demo.{n}@{sender.split('@')[-1]}>"
            if channel == Channel.EMAIL
            else f"demo-{channel}-{n}"
        )
        subject, refs, ticket_id = "", [], None
        if first or fresh:
            if channel not in CHAT:
                subject = self.rng.choice(plan.scenario.texts[lang]["subject"])
                subject = subject.format(**plan.extra["ctx"])
                plan.extra.setdefault("subject", subject)
        else:
            ticket_id = plan.ticket.pk
            if channel == Channel.EMAIL:
                subject = f"Re: [#{plan.ticket.pk}] {plan.extra.get('subject', '')}".strip()
                refs = [plan.first_external_id]
        receipt = do_receive(
            InboundMessage(
                channel=channel,
                sender=sender,
                external_id=external_id,
                subject=subject,
                body_text=body,
                sender_name=persona.name,
                language=lang,
                in_reply_to=refs,
                ticket_id=ticket_id,
                received_at=at,
            )
        )
        if receipt.quarantined or receipt.duplicate:
            raise RuntimeError(f"demo message {external_id} was not taken in: {receipt.raw.error}")
        message = receipt.message
        if first or fresh:
            if message.ticket_id in self.ticket_ids:
                raise RuntimeError(f"demo message {external_id} joined ticket #{message.ticket_id}")
            self.ticket_ids.add(message.ticket_id)
        elif message.ticket_id != plan.ticket.pk:
            raise RuntimeError(f"demo message {external_id} did not thread onto its ticket")
        if first:
            plan.first_external_id = external_id
        if not fresh:
            plan.ticket = message.ticket  # the instance intake updated (a reply reopens)
        if persona.customer is None:
            persona.customer = message.customer
            if persona.group != "duplicate":
                self.complete_profile(persona)
        return message

    def reply_text(self, plan: Plan, agent: User, core: str) -> str:
        persona, lang, channel = plan.persona, plan.persona.lang, plan.channel
        if channel in CHAT:
            return core
        if persona.group in ("staff", "department"):
            return f"{core}\n\n{agent.first_name}"
        core = _without_greeting(core)
        if channel == Channel.REVIEW:
            return f"{T.GREETING_ANON[lang]}\n\n{core}\n\n{T.REVIEW_SIGNOFF[lang]}"
        greeting = self.rng.choice(T.GREETING[lang]).format(first=persona.first)
        sign = self.rng.choice(T.SIGNOFF[lang]).format(agent=agent.first_name)
        return f"{greeting}\n\n{core}\n\n{sign}"

    def triage(self, plan: Plan, agent: User, at: datetime, *, assign: bool) -> None:
        """Someone reads the new ticket: priority, tags, the right team and agent."""
        ticket, scenario, lang = plan.ticket, plan.scenario, plan.persona.lang
        supervisor = self.users["olga"]
        priority = scenario.priority
        if plan.persona.vip:
            priority = max(priority, Priority.HIGH)
        elif priority == Priority.NORMAL and self.rng.random() < 0.1:
            priority = Priority.HIGH
        actor = supervisor if scenario.team != "support" else agent
        do_set_priority(ticket, priority, actor=actor, at=at)
        tags = list(scenario.tags)
        if plan.persona.vip:
            tags.append("vip")
        if plan.persona.kind == CustomerKind.INTERNAL and "internal" not in tags:
            tags.append("internal")
        do_set_tags(ticket, tags, actor=actor, at=at)
        if scenario.team != "support":
            if self.rng.random() < 0.5:
                first_line = self.users[ANSWERS["support"][lang][0]]
                do_add_note(
                    ticket, author=first_line, body=T.HANDOFF_NOTE[scenario.team][lang], at=at
                )
            do_assign(
                ticket,
                team=self.teams[scenario.team],
                assignee=agent if assign else None,
                actor=supervisor,
                at=at,
            )
        elif assign:
            do_assign(ticket, team=None, assignee=agent, actor=agent, at=at)

    def aftermath(self, plan: Plan, agent: User, ctx: dict[str, str]) -> None:
        """What happens after the story: flags, a merge, a split (these actions run "now")."""
        lang, customer = plan.persona.lang, plan.persona.customer
        key = plan.scenario.key
        if key in ("angry", "legal_threat") and plan.status != Status.NEW:
            kind = FlagKind.ABUSIVE if key == "angry" else FlagKind.LEGAL_THREAT
            flagged = self.flagged.setdefault(kind, [])
            if len(flagged) < 3 and plan.persona not in flagged:
                flagged.append(plan.persona)
                actor = agent if key == "angry" else self.users["james"]
                do_flag_customer(
                    customer,
                    kind=kind,
                    actor=actor,
                    reason=T.FLAG_REASONS[kind][lang].format(**ctx),
                )
        if plan.role == "merge":
            duplicate = plan.extra["duplicate"].ticket
            do_merge_tickets(duplicate, plan.ticket, actor=agent)
            do_add_note(plan.ticket, author=agent, body=T.MERGE_NOTE[lang])
        if plan.role == "split":
            message = plan.extra["split"]
            ticket = do_split_message(message, actor=agent, subject=T.SPLIT[lang][1])
            billing = self.users[ANSWERS["billing"][lang][0]]
            do_assign(ticket, team=self.teams["billing"], assignee=billing, actor=agent)
            do_set_tags(ticket, ["subscription", "billing"], actor=agent)

    # --- the last touches ----------------------------------------------------------------------

    def merge_customers(self, personas: list[Persona]) -> None:
        for persona in personas:
            if persona.group == "duplicate":
                do_merge_customers(
                    persona.customer, persona.twin.customer, actor=self.users["admin"]
                )

    def flag_vips(self, personas: list[Persona]) -> None:
        for persona in personas:
            if persona.vip:
                reason = T.FLAG_REASONS["vip"][persona.lang].format(reason=persona.vip)
                do_flag_customer(
                    persona.customer, kind=FlagKind.VIP, reason=reason, actor=self.users["olga"]
                )


def _without_greeting(text: str) -> str:
    """The reply without its own opening "Hello!": the letter around it greets by name."""
    rest = _GREETING.sub("", text, count=1)
    return rest[:1].upper() + rest[1:] if rest else text


_GREETING = re.compile(
    r"^(Здравствуйте|Добрый день|Привет|您好|你好|Hi|Hello|Good morning)"
    r"[^.!?。！，,]*[.!?。！，,]\s*"
)


def _same_day(day: date, year: int) -> date:
    """`day`'s month and day in another year (29 February becomes the 28th)."""
    return date(year, day.month, min(day.day, 28 if day.month == 2 else day.day))
