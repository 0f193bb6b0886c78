"""Demo follow-ups, greetings, thank-you notes and purchases (FB3, FB7; docs/followups.md):
templates in three languages, team settings and rules, consent for part of the customers,
purchases of the shop's products, related products, and the calendar planned from them.
Nothing is sent: the periodic sender does that once `make run` is up."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from rapport.accounts.models import Team, User
from rapport.customers.models import Customer
from rapport.followups import actions
from rapport.followups.models import (
    ConsentSource,
    CustomerTimeZone,
    FollowUp,
    FollowUpRule,
    Kind,
    MessageTemplate,
    Outreach,
    PurchaseFeed,
    Purpose,
    RelatedProduct,
    Trigger,
)
from rapport.followups.purchases import Row, do_store_purchase

PRODUCTS = [
    # (sku, name, category, price)
    ("LM-R5", "Lumen R5 robot vacuum", "vacuums", Decimal("349.00")),
    ("LM-SP1", "Lumen SteamPro iron", "irons", Decimal("89.00")),
    ("LM-MIST", "Lumen Mist humidifier", "climate", Decimal("129.00")),
    ("LM-K1", "Lumen K1 kettle", "kitchen", Decimal("59.00")),
    ("LM-R5-BR", "Lumen R5 spare brushes", "spare parts", Decimal("19.00")),
    ("LM-CARE", "Lumen Care (2-year cover)", "services", Decimal("49.00")),
    ("LM-DESC", "Descaler for kettles and irons", "care", Decimal("9.00")),
    ("LM-FLT", "Lumen Mist filter", "spare parts", Decimal("15.00")),
]

TEMPLATES = {
    "check_in": dict(
        name="Check-in after a solved ticket",
        purpose=Purpose.CHECK_IN,
        subject_en="How is it going, {first_name}?",
        subject_ru="Как дела, {first_name}?",
        subject_zh_hans="{name},一切都好吗?",
        body_en="Hello {first_name},\n\nthis is {agent} from Lumen Home. A week ago we sorted out "
        '"{subject}" together. Is everything still working as it should? If not, just '
        "reply to this message.\n\nBest regards,\n{agent}",
        body_ru="Здравствуйте, {first_name}!\n\nЭто {agent} из Lumen Home. Неделю назад мы "
        "вместе решили вопрос «{subject}». Всё ли работает как надо? Если нет — просто "
        "ответьте на это письмо.\n\nС уважением,\n{agent}",
        body_zh_hans="{name}您好:\n\n我是Lumen Home的{agent}。一周前我们一起解决了“{subject}”"
        "的问题。现在一切都正常吗?如有任何问题,直接回复本消息即可。\n\n{agent}",
    ),
    "birthday": dict(
        name="Birthday greeting",
        purpose=Purpose.GREETING,
        subject_en="Happy birthday, {first_name}!",
        subject_ru="С днём рождения, {first_name}!",
        subject_zh_hans="{name},生日快乐!",
        body_en="Happy birthday, {first_name}! Everyone at {team} wishes you a wonderful year.",
        body_ru="С днём рождения, {first_name}! Вся команда {team} желает вам чудесного года.",
        body_zh_hans="{name},生日快乐!{team}全体同事祝您新的一岁万事如意。",
    ),
    "anniversary": dict(
        name="Anniversary greeting",
        purpose=Purpose.GREETING,
        subject_en="{years} years: {occasion}",
        subject_ru="{years} лет: {occasion}",
        subject_zh_hans="{occasion}{years}周年",
        body_en="Dear {first_name}, today it is {years} years: {occasion}. Thank you for "
        "being with us!",
        body_ru="{first_name}, сегодня {years} лет: {occasion}. Спасибо, что вы с нами!",
        body_zh_hans="{name}您好,今天是{occasion}{years}周年。感谢您一直以来的支持!",
    ),
    "thanks_purchase": dict(
        name="Thank you for your purchase",
        purpose=Purpose.THANK_YOU,
        subject_en="Thank you, {first_name}",
        subject_ru="Спасибо, {first_name}",
        subject_zh_hans="谢谢您,{name}",
        body_en="Dear {first_name},\n\nthank you for choosing the {product}. If anything about "
        "it is unclear, write to us: a person will answer.\n\n{team}",
        body_ru="{first_name}, спасибо, что выбрали {product}. Если что-то будет непонятно — "
        "напишите нам, ответит живой человек.\n\n{team}",
        body_zh_hans="{name}您好,感谢您选购{product}。如有任何疑问,请随时联系我们,"
        "会有专人为您解答。\n\n{team}",
    ),
}


def build_demo_followups(
    teams: dict[str, Team], users: dict[str, User], now: datetime, seed: int = 3
) -> dict[str, int]:
    rng = random.Random(seed)  # its own: the builder's sequence stays as it was
    t = {key: MessageTemplate.objects.create(**spec) for key, spec in TEMPLATES.items()}
    Outreach.objects.create(
        team=teams["support"],
        time_zone="Europe/Moscow",
        quiet_start=time(21, 0),
        quiet_end=time(9, 0),
        greet_at=time(10, 0),
        birthday_template=t["birthday"],
        anniversary_template=t["anniversary"],
    )
    Outreach.objects.create(
        team=teams["billing"],
        time_zone="Asia/Shanghai",
        quiet_start=time(20, 0),
        quiet_end=time(9, 30),
        birthday_template=t["birthday"],
    )
    FollowUpRule.objects.create(
        team=teams["support"],
        name="Check in a week after solving",
        trigger=Trigger.TICKET_SOLVED,
        delay_days=7,
        kind=Kind.MESSAGE,
        template=t["check_in"],
    )
    FollowUpRule.objects.create(
        team=teams["escalations"],
        name="Call three days after an escalation is solved",
        trigger=Trigger.TICKET_SOLVED,
        delay_days=3,
        kind=Kind.TASK,
        task_text="Call {name} to see how it went after ticket {ticket}",
    )
    FollowUpRule.objects.create(
        team=teams["support"],
        name="Call two weeks after a robot vacuum",
        trigger=Trigger.PURCHASE,
        sku="LM-R5",
        delay_days=14,
        kind=Kind.TASK,
        task_text="Call {name}: is the {product} finding its way around the home?",
    )
    FollowUpRule.objects.create(
        team=teams["support"],
        name="Thank you the day after a purchase",
        trigger=Trigger.PURCHASE,
        category="climate",
        delay_days=1,
        kind=Kind.MESSAGE,
        template=t["thanks_purchase"],
    )
    for when_sku, product, sku, why in [
        ("LM-R5", "Lumen R5 spare brushes", "LM-R5-BR", "Brushes wear out in 6-12 months"),
        ("LM-R5", "Lumen Care (2-year cover)", "LM-CARE", "Repairs and a replacement unit"),
        (
            "LM-MIST",
            "Lumen Mist filter",
            "LM-FLT",
            "A new filter every 3 months keeps the air clean",
        ),
    ]:
        RelatedProduct.objects.create(when_sku=when_sku, product=product, sku=sku, why=why)
    RelatedProduct.objects.create(
        when_category="kitchen",
        product="Descaler for kettles and irons",
        sku="LM-DESC",
        why="Hard water: limescale shortens the kettle's life",
    )
    PurchaseFeed.objects.create(name="Lumen Home web shop")

    customers = list(
        Customer.objects.filter(merged_into=None, identities__kind="email").distinct()[:200]
    )
    purchases = 0
    for n, customer in enumerate(rng.sample(customers, min(60, len(customers)))):
        email = customer.identities.filter(kind="email").values_list("value", flat=True)[0]
        for k in range(rng.choice([1, 1, 2, 3])):
            sku, name, category, price = rng.choice(PRODUCTS)
            do_store_purchase(
                Row(
                    external_id=f"LH-{2026_0000 + n * 10 + k}",
                    purchased_at=now - timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 9)),
                    product=name,
                    email=email,
                    sku=sku,
                    category=category,
                    quantity=Decimal(1),
                    amount=price,
                    currency="EUR",
                ),
                source="api",
            )
            purchases += 1

    consented = 0
    zones = {"ru": "Europe/Moscow", "zh-hans": "Asia/Shanghai", "en": "Europe/London"}
    for customer in Customer.objects.filter(merged_into=None).exclude(birthday=None):
        if rng.random() < 0.6:
            actions.do_record_consent(
                customer,
                Purpose.GREETING,
                granted=True,
                source=rng.choice([ConsentSource.AGENT, ConsentSource.FORM]),
                actor=users.get("anna"),
                at=now - timedelta(days=rng.randint(5, 300)),
            )
            consented += 1
            CustomerTimeZone.objects.get_or_create(
                customer=customer, defaults={"time_zone": zones[actions.language_of(customer)]}
            )
    for customer in rng.sample(customers, min(3, len(customers))):
        actions.do_record_consent(
            customer,
            Purpose.CHECK_IN,
            granted=False,
            source=ConsentSource.LINK,
            note="Opt-out link",
            at=now - timedelta(days=rng.randint(1, 30)),
        )
    planned = actions.do_plan_after_solved(now=now) + actions.do_plan_greetings(now)
    # What would be due at once goes tomorrow instead: the demo shows a calendar, and sends
    # nothing the moment `make run` starts.
    for item in FollowUp.objects.filter(due_at__lt=now + timedelta(hours=1)):
        FollowUp.objects.filter(pk=item.pk).update(due_at=item.due_at + timedelta(days=1))
    agent = users.get("anna")
    if agent and customers:
        actions.check_thank_you(
            customers[0],
            actor=agent,
            team=teams["support"],
            subject="Thank you for your patience",
            text="Dear {first_name},\n\nthank you for your patience while we sorted out the "
            "replacement. It was a pleasure to help.\n\n{agent}",
            due_at=now + timedelta(days=1),
        )
    return {"purchases": purchases, "greeting_consents": consented, "planned": planned}
