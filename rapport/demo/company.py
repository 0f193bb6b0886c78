"""Demo reply templates, empowerment limits, goals and the company's own departments (issue
#11 parts 1, 3 and 5, issue #9 part 4): what a desk sets up on its first day, so that the
picker, the limits, the goals on the home page and side conversations with a department have
something to show (docs/macros.md, docs/approvals.md, docs/reports.md,
docs/internal-customers.md). Last, the report rollups are built over the whole demo history."""

from __future__ import annotations

from decimal import Decimal

from rapport.approvals.models import EmpowermentLimit, GrantKind, LimitRole
from rapport.customers.models import Organisation
from rapport.macros.models import Macro
from rapport.reports.actions import do_rebuild
from rapport.reports.models import Comparator, Goal, GoalPeriod, Metric
from rapport.sideconv.departments import do_save_department
from rapport.sideconv.models import Department
from rapport.tickets.models import Status

from .texts import STAFF_DOMAIN, STAFF_ORGANISATION

MACROS = [
    # (name, language, team key or None, body, set_status, add_tags)
    (
        "Order is on its way",
        "en",
        "support",
        "Hello {customer_name},\n\nthank you for waiting. Your order {order_number} left our "
        "warehouse and is on its way; the tracking link will reach you by e-mail today.\n\n"
        "Does that answer your question?\n\n{agent_name}, {team_name}",
        Status.PENDING,
        "delivery",
    ),
    (
        "Заказ в пути",
        "ru",
        "support",
        "Здравствуйте, {customer_name}!\n\nСпасибо, что подождали. Ваш заказ {order_number} "
        "передан в доставку; ссылку для отслеживания пришлём сегодня по почте.\n\n"
        "Такой ответ вам подходит?\n\n{agent_name}, {team_name}",
        Status.PENDING,
        "delivery",
    ),
    (
        "订单已发货",
        "zh-hans",
        "support",
        "{customer_name}，您好！\n\n感谢您的耐心等待。您的订单 {order_number} 已发货，"
        "物流查询链接将于今天通过邮件发送给您。\n\n请问这样可以解决您的问题吗？\n\n"
        "{agent_name}（{team_name}）",
        Status.PENDING,
        "delivery",
    ),
    (
        "We are looking into it",
        "",
        None,
        "Hello {customer_name},\n\nthank you for telling us. I am looking into ticket "
        "{ticket_number} now and will write to you by {expected_time} with what I find.\n\n"
        "{agent_name}",
        "",
        "",
    ),
    (
        "Возврат оформлен",
        "ru",
        "billing",
        "Здравствуйте, {customer_name}!\n\nВозврат по заказу {order_number} оформлен: деньги "
        "вернутся на карту в течение 3–5 рабочих дней. Если к этому сроку их не будет, "
        "ответьте на это письмо — разберёмся.\n\nВсё ли понятно?\n\n{agent_name}",
        Status.SOLVED,
        "refund",
    ),
]

LIMITS = [
    (LimitRole.AGENT, GrantKind.REFUND, "3000", "RUB"),
    (LimitRole.AGENT, GrantKind.GIFT, "1000", "RUB"),
    (LimitRole.AGENT, GrantKind.REFUND, "50", "USD"),
    (LimitRole.SUPERVISOR, GrantKind.REFUND, "30000", "RUB"),
]


def build_demo_company(teams: dict, users: dict) -> None:
    for name, language, team, body, status, tags in MACROS:
        Macro.objects.create(
            name=name,
            language=language,
            team=teams[team] if team else None,
            body=body,
            set_status=status,
            add_tags=tags,
            created_by=users["olga"],
        )
    for role, kind, amount, currency in LIMITS:
        EmpowermentLimit.objects.create(
            role=role, kind=kind, max_amount=Decimal(amount), currency=currency
        )
    olga = users["olga"]
    Goal.objects.create(
        team=teams["support"],
        metric=Metric.FRT_P90,
        comparator=Comparator.AT_MOST,
        target=1,
        period=GoalPeriod.MONTH,
        created_by=olga,
    )
    Goal.objects.create(
        team=teams["support"],
        metric=Metric.SATISFACTION,
        comparator=Comparator.AT_LEAST,
        target=4,
        period=GoalPeriod.MONTH,
        created_by=olga,
    )
    for username in ("anna", "dmitry"):
        Goal.objects.create(
            agent=users[username],
            metric=Metric.QUALITY,
            comparator=Comparator.AT_LEAST,
            target=85,
            period=GoalPeriod.MONTH,
            created_by=olga,
        )
    # The staff who write in (CH8) are one department: new colleagues are internal at once,
    # and a side conversation can go to its operations address (MG6).
    do_save_department(
        Department(
            name="Lumen Home operations",
            email=f"operations@{STAFF_DOMAIN}",
            domains=STAFF_DOMAIN,
            organisation=Organisation.objects.filter(name=STAFF_ORGANISATION).first(),
        )
    )
    # The reports read rollups the scheduler's fold keeps; a new demo desk has them at once.
    do_rebuild()
