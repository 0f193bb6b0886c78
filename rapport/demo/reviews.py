"""The demo desk's reviews (CH7, FB5): review sources for the shop (Yandex Maps and 2GIS in
Russian, Dianping in Chinese, Google in English), the Support team's policy (negative reviews
answered within 24 hours, an invitation link), and a Review on each review-channel ticket the
demo played through intake — rated by the stars its text starts with, read by the coach,
answered where the demo's agent replied. Called by the demo builder in one line; adds no
ticket and no customer (the review tickets are the builder's own)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from rapport.accounts.models import Team
from rapport.lib.channels import Channel
from rapport.reviews.actions import do_set_policy
from rapport.reviews.models import Review, ReviewPolicy, ReviewSource
from rapport.reviews.transport import ReviewData, do_create_review
from rapport.tickets.models import Direction, Message, Ticket

SOURCES = {
    "ru": [
        ("Yandex Maps", "https://yandex.ru/maps/org/lumen/reviews/"),
        ("2GIS", "https://2gis.ru/reviews/"),
    ],
    "zh": [("Dianping", "https://www.dianping.com/shop/lumen/review/")],
    "en": [("Google", "https://maps.google.com/reviews/lumen/")],
}
INVITATION = "https://example.com/lumen/review?lang={lang}"


def _rating(text: str) -> int | None:
    head = text.strip()[:5]
    if head and set(head) <= {"★", "☆"}:
        return head.count("★")
    return None


def build_demo_reviews(teams: dict[str, Team], limit: datetime, seed: int = 5) -> dict[str, int]:
    """Sources, the Support policy, and a Review on each demo review ticket (never after
    `limit`, the last moment the demo lets anything happen)."""
    rng = random.Random(seed)  # its own: the builder's sequence stays as it was
    support = teams["support"]
    do_set_policy(
        ReviewPolicy(
            team=support, negative_max_rating=2, response_target_hours=24, invitation_url=INVITATION
        )
    )
    sources = {
        lang: [(ReviewSource.objects.create(name=name, team=support), url) for name, url in items]
        for lang, items in SOURCES.items()
    }
    created = 0
    tickets = Ticket.objects.filter(channel=Channel.REVIEW).select_related("customer")
    for ticket in tickets.order_by("created_at", "id"):
        first = (
            Message.objects.filter(ticket=ticket, direction=Direction.IN)
            .select_related("ticket")
            .order_by("created_at", "id")
            .first()
        )
        if first is None or Review.objects.filter(message=first).exists():
            continue
        lang = (ticket.customer.language or "en")[:2]
        source, url = rng.choice(sources.get(lang, sources["en"]))
        external_id = f"demo-{ticket.pk}"
        data = ReviewData(
            external_id=external_id,
            rating=_rating(first.body_text) or rng.choice((3, 4)),
            text=first.body_text,
            author=ticket.customer.name,
            email="",
            phone="",
            url=f"{url}{external_id}",
            posted_at=min(first.created_at - timedelta(hours=rng.randint(1, 30)), limit),
            language=lang,
        )
        raw = getattr(first, "inbound_raw", None)
        review = do_create_review(source, data, first, raw=raw, received_at=first.created_at)
        reply = (
            Message.objects.filter(
                ticket=ticket, direction=Direction.OUT, created_at__gte=first.created_at
            )
            .order_by("created_at", "id")
            .first()
        )
        if reply is not None:
            Review.objects.filter(pk=review.pk).update(
                reply_text=reply.body_text,
                replied_at=reply.created_at,
                replied_by=reply.author,
                reply_message=reply,
            )
        created += 1
    return {"review_sources": ReviewSource.objects.count(), "reviews": created}
