"""One dataset with an object behind every URL of the desk, for the permission matrix
(docs/permissions.md) and the partner-team tests (MG5).

Everything the URL kwargs point at belongs to the Support team and to Carol, so that each
persona's column of the matrix reads as "what may this persona do with Support's things":

- Alice (agent, Support) and Lee (legal, Support) work there; Charlie (agent, Billing) is the
  outsider; Pat (partner-team agent of the outside contractor "Outsourced") must see none of it;
  Sam (supervisor) and Ada (administrator, staff) see everything.
- Carol is the customer; Dave is another customer, with a ticket of his own in Support, and the
  partner's customer Erin has her ticket in the partner's team (the IDOR probes use both).

Built through the real actions where the desk has one; configuration rows (mailboxes, rules,
widgets, integrations) are created directly, as an administrator's form would.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from rapport.accounts.models import Role, Team
from rapport.api.actions import do_create_token
from rapport.customers.actions import do_flag_customer
from rapport.customers.models import FlagKind
from rapport.test import make_agent, receive

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def build_world(ns) -> SimpleNamespace:  # noqa: PLR0915 — one object per URL kind, in order
    """Create the personas on `ns` (a test class) and return the objects the URLs need."""
    from rapport.approvals.actions import do_request_approval
    from rapport.approvals.models import GrantKind
    from rapport.feedback.models import Survey, SurveyState
    from rapport.followups.models import FollowUp, PurchaseImport, Purpose
    from rapport.followups.models import Kind as FollowUpKind
    from rapport.ideas.actions import do_propose
    from rapport.kb.actions import (
        do_add_attachment,
        do_create_article,
        do_publish,
        do_save_category,
    )
    from rapport.kb.models import ArticleVersion, Visibility
    from rapport.macros.actions import do_save_macro
    from rapport.macros.models import Macro
    from rapport.mail.models import Mailbox
    from rapport.outbox.models import Delivery as OutboxDelivery
    from rapport.phone.models import CtiIntegration
    from rapport.portal.actions import receipt_token
    from rapport.portal.models import LoginLink
    from rapport.promises.actions import do_add_promise
    from rapport.promises.models import PromiseKind
    from rapport.reports.models import Comparator, Goal, Metric
    from rapport.reviews.actions import do_receive_review
    from rapport.reviews.models import ReviewSource
    from rapport.rules.models import Rule
    from rapport.sla.models import BusinessCalendar, SlaPolicy
    from rapport.suggest.models import FaqCluster
    from rapport.telegram.models import Bot
    from rapport.tickets.actions import do_add_note, do_reply
    from rapport.tickets.models import Attachment
    from rapport.tickets.saved_searches import do_save_search
    from rapport.training.actions import do_start
    from rapport.training.models import Scenario
    from rapport.webchat.models import Widget
    from rapport.webhooks.models import Delivery as HookDelivery
    from rapport.webhooks.models import Endpoint

    ns.create_personas()  # Alice, Bob, Sam, Charlie in Billing, Carol's ticket in Support
    ns.partner_team = Team.objects.create(
        name="Outsourced", is_partner=True, partner_company="Callcenter Ltd"
    )
    ns.pat = make_agent("pat", teams=[ns.partner_team], role=Role.PARTNER, first_name="Pat")
    ns.lee = make_agent("lee", teams=[ns.support], role=Role.LEGAL, first_name="Lee")
    ns.ada = make_agent("ada", role=Role.ADMIN, first_name="Ada", is_staff=True, is_superuser=True)
    w = SimpleNamespace()
    ticket = ns.carol_ticket
    w.ticket = ticket
    first = ticket.messages.get()
    w.message = first
    w.customer = ns.carol
    now = timezone.now()

    # Dave: another customer of Support (IDOR: Carol must not reach his ticket on the portal).
    dave_msg = receive(sender="dave@example.com", subject="Refund", external_id="<dave-1@x>")
    w.dave_ticket = dave_msg.ticket
    ns.dave = dave_msg.customer
    # Erin: the partner's customer; her ticket is in the partner's team.
    erin_msg = receive(sender="erin@example.com", subject="Erin's box", external_id="<erin-1@x>")
    w.erin_ticket = erin_msg.ticket
    from rapport.tickets.actions import do_assign

    do_assign(w.erin_ticket, team=ns.partner_team, assignee=None, actor=ns.sam)
    # Frank: a Billing customer (Charlie's).
    frank_msg = receive(
        sender="frank@example.com",
        sender_name="Frank Miller",
        subject="Invoice",
        external_id="<frank-1@x>",
    )
    w.billing_ticket = frank_msg.ticket
    do_assign(w.billing_ticket, team=ns.billing, assignee=None, actor=ns.sam)

    from rapport.customers.models import Organisation
    from rapport.followups.models import Purchase

    w.organisation = Organisation.objects.create(name="Carol & Co")
    ns.carol.organisation = w.organisation
    ns.carol.save(update_fields=["organisation"])
    w.purchase = Purchase.objects.create(
        customer=ns.carol,
        external_id="A-1",
        product="Kettle",
        purchased_at=now - timedelta(days=3),
        source="csv",
    )
    w.event = ticket.events.order_by("pk").first()

    reply = do_reply(ticket, author=ns.alice, body_text="Hello Carol, we are on it.")
    w.reply = reply
    w.note = do_add_note(ticket, author=ns.alice, body="Internal: courier called.")
    w.attachment = Attachment.objects.create(
        message=first, filename="photo.png", content_type="image/png", size=len(PNG)
    )
    w.attachment.file.save("photo.png", ContentFile(PNG), save=True)
    w.delivery = OutboxDelivery.objects.filter(message=reply).first()
    w.flag = do_flag_customer(
        ns.carol, kind=FlagKind.VIP, reason="Long-time customer", actor=ns.sam
    )
    w.saved = do_save_search(ns.alice, name="Mine", query="status:open", team=ns.support)

    _token, w.api_key = do_create_token(ns.alice, name="CLI")
    w.api_token = _token
    w.endpoint = Endpoint.objects.create(url="http://127.0.0.1:9/hook")
    w.hook_delivery = HookDelivery.objects.create(
        endpoint=w.endpoint, event_id="evt-1", event_type="ticket.created", payload={}
    )
    w.mailbox = Mailbox.objects.create(name="Desk", address="desk@rapport.test", team=ns.support)
    w.calendar = BusinessCalendar.objects.create(name="Office")
    w.policy = SlaPolicy.objects.create(name="Standard")
    w.rule = Rule.objects.create(name="VIPs first")
    w.promise = do_add_promise(
        ticket,
        agent=ns.alice,
        text="I will call you back tomorrow",
        kind=PromiseKind.CALLBACK,
        due_at=now + timedelta(days=1),
        actor=ns.alice,
    )
    w.widget = Widget.objects.create(name="Shop", team=ns.support)
    w.cti = CtiIntegration.objects.create(name="PBX", team=ns.support, token_hash="0" * 64)
    w.bot = Bot.objects.create(name="Bot", team=ns.support)
    w.cluster = FaqCluster.objects.create(language="en", title="Where is my order?")
    w.followup = FollowUp.objects.create(
        key="test:carol",
        team=ns.support,
        customer=ns.carol,
        kind=FollowUpKind.TASK,
        purpose=Purpose.CHECK_IN,
        text="How is your new kettle?",
        due_at=now + timedelta(days=2),
    )
    w.purchase_import = PurchaseImport.objects.create(filename="p.csv", encoding="utf-8")

    w.category = do_save_category(
        None, position=1, name_en="Orders", name_ru="Заказы", name_zh_hans="订单"
    )
    w.article = do_create_article(
        ns.alice,
        language="en",
        title="Where is my order",
        body="Track it on the site.",
        category=w.category,
        visibility=Visibility.INTERNAL,
        team=ns.support,
    )
    w.public_article = do_create_article(
        ns.sam, language="en", title="Opening hours", body="9 to 6.", category=w.category
    )
    do_publish(w.public_article, ns.sam)
    w.company_article = do_create_article(
        ns.sam,
        language="en",
        title="Refund policy (internal)",
        body="Up to 50 EUR without approval.",
        visibility=Visibility.INTERNAL,
    )
    do_publish(w.company_article, ns.sam)
    w.version = ArticleVersion.objects.filter(translation__article=w.article).first()
    w.kb_attachment = do_add_attachment(
        w.article, SimpleUploadedFile("shot.png", PNG, content_type="image/png"), ns.alice
    )
    w.public_kb_attachment = do_add_attachment(
        w.public_article, SimpleUploadedFile("hours.png", PNG, content_type="image/png"), ns.sam
    )

    # A published file is public only once the text refers to it (docs/kb.md).
    from rapport.kb.actions import do_save_translation

    do_save_translation(
        w.public_article,
        "en",
        "Opening hours",
        f"9 to 6. ![Hours](attachment:{w.public_kb_attachment.pk})",
        ns.sam,
    )
    # The original of Carol's e-mail, as the mail intake keeps it (message-original).
    from rapport.intake.models import InboundRaw

    InboundRaw.objects.filter(message=first).update(
        raw=b"From: Carol <carol@example.com>\r\nSubject: Where is my order?\r\n\r\nHello"
    )
    w.review_source = ReviewSource.objects.create(name="Maps", team=ns.support)
    result = do_receive_review(
        w.review_source,
        {"rating": "2", "text": "The courier was late.", "author": "Ivan", "id": "r1"},
        via="test",
    )
    assert result.review is not None, result.errors
    w.review = result.review
    w.goal = Goal.objects.create(
        metric=Metric.SLA, comparator=Comparator.AT_LEAST, target=90, team=ns.support
    )
    w.macro = do_save_macro(
        Macro(name="Thanks", body="Thank you, {{ customer.first_name }}!", team=ns.support),
        actor=ns.sam,
    )
    w.grant = do_request_approval(
        ticket,
        actor=ns.alice,
        kind=GrantKind.REFUND,
        amount=Decimal("500"),
        currency="EUR",
        reason="Broken kettle",
        limit=Decimal("50"),
    )
    w.idea = do_propose(ticket, author=ns.alice, text="Customers keep asking about tracking")
    w.scenario = Scenario.objects.get(key="angry-customer")
    w.session = do_start(ns.alice, w.scenario, "en")
    w.survey = Survey.objects.create(
        ticket=ticket, customer=ns.carol, channel="email", state=SurveyState.SENT
    )
    identity = ns.carol.identities.get(kind="email")
    w.carol_identity = identity
    used = LoginLink.objects.create(identity=identity, language="en", used_at=now)
    w.used_login_link = used
    w.contact_receipt = receipt_token(InboundRaw.objects.get(message=first).pk)
    from django.apps import apps

    if apps.is_installed("rapport.privacy"):
        from rapport.privacy.models import ErasureRequest

        w.erasure = ErasureRequest.objects.create(
            customer_id=ns.dave.pk, reason="Asked by letter", requested_by=ns.ada
        )
    if apps.is_installed("rapport.sideconv"):
        from rapport.sideconv.actions import do_open

        w.side = do_open(
            ticket,
            actor=ns.alice,
            kind="team",
            subject="Is the courier insured?",
            body="Billing, do we cover a lost parcel?",
            team=ns.billing,
        )
        w.side_message = w.side.messages.order_by("pk").first()
    return w
