"""Sending webhook deliveries in batches (docs/webhooks.md, "Sending").

One round (`deliver_batch`):

1. **Claim** up to `limit` due deliveries of active endpoints in one short transaction: on
   PostgreSQL `SELECT … FOR UPDATE SKIP LOCKED` (concurrent workers take different rows and
   never wait for each other), on SQLite the IMMEDIATE transaction is the lock. The claimed
   rows become "sending" with `attempts + 1` and `started_at` = the claim's time, which is the
   claim's token: a result is only recorded on a row still carrying it.
2. **Send** them concurrently, outside any transaction: one keep-alive httpx client per
   endpoint (at most `RAPPORT_WEBHOOK_CONCURRENCY` requests in flight to it), in waves, oldest
   first; `RAPPORT_WEBHOOK_TIMEOUT` bounds each request as a whole, redirects are not followed.
   When a whole wave to an endpoint fails, the rest of its share is not sent this round
   (released unsent, `attempts` as they were, due again after the first back-off): a receiver
   that is down is not hammered, and one short outage does not count a whole backlog as
   failures towards auto-disable.
3. **Record** every attempt (the delivery log) and every outcome in one transaction.

`Sender` keeps its event loop and its clients between rounds (the worker's keep-alive
connections); `deliver_batch(...)` without one uses a temporary sender.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from . import signing
from .models import Attempt, Delivery, DeliveryState, Endpoint
from .urlcheck import check_webhook_url

log = logging.getLogger(__name__)
# httpx logs every request at INFO: a line per delivery in the worker's log. Attempts are in
# the delivery log (the Attempt rows) already.
logging.getLogger("httpx").setLevel(logging.WARNING)

EXCERPT_CHARS = 1000
USER_AGENT = "Rapport-Webhooks/1"


@dataclass
class Result:
    status: int | None
    excerpt: str
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Sender:
    """An event loop and one httpx.AsyncClient per endpoint, kept between rounds."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.clients: dict[int, tuple[str, httpx.AsyncClient]] = {}

    def client(self, endpoint: Endpoint) -> httpx.AsyncClient:
        known = self.clients.get(endpoint.pk)
        if known and known[0] == endpoint.url:
            return known[1]
        if known:  # the URL changed: a new client (and connection) for the new address
            self.loop.run_until_complete(known[1].aclose())
        per_endpoint = max(1, settings.RAPPORT_WEBHOOK_CONCURRENCY)
        client = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.RAPPORT_WEBHOOK_TIMEOUT),
            limits=httpx.Limits(
                max_connections=per_endpoint, max_keepalive_connections=per_endpoint
            ),
            follow_redirects=False,  # a 3xx is the answer (never follow: SSRF)
            headers={"User-Agent": USER_AGENT},
        )
        self.clients[endpoint.pk] = (endpoint.url, client)
        return client

    def send(self, groups: dict[int, tuple[Endpoint, list[Delivery]]]) -> dict[int, Result]:
        """Send each endpoint's deliveries (in their order, in waves); the results by delivery
        id. A delivery without a result was not sent (its endpoint failed a whole wave)."""
        jobs = [(endpoint, items, self.client(endpoint)) for endpoint, items in groups.values()]
        results: dict[int, Result] = {}

        async def everything() -> None:
            for found in await asyncio.gather(*(_send_endpoint(*job) for job in jobs)):
                results.update(found)

        self.loop.run_until_complete(everything())
        return results

    def close(self) -> None:
        for _url, client in self.clients.values():
            self.loop.run_until_complete(client.aclose())
        self.clients.clear()
        self.loop.close()


async def _send_endpoint(
    endpoint: Endpoint, items: list[Delivery], client: httpx.AsyncClient
) -> dict[int, Result]:
    wave_size = max(1, settings.RAPPORT_WEBHOOK_CONCURRENCY)
    results: dict[int, Result] = {}
    for start in range(0, len(items), wave_size):
        wave = items[start : start + wave_size]
        answers = await asyncio.gather(*(_post(client, endpoint, d) for d in wave))
        results.update((d.pk, r) for d, r in zip(wave, answers, strict=True))
        if not any(r.ok for r in answers):
            break  # the receiver is down or refusing: the rest waits (released unsent)
    return results


async def _post(client: httpx.AsyncClient, endpoint: Endpoint, delivery: Delivery) -> Result:
    body = json.dumps(delivery.payload, ensure_ascii=False).encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        signing.HEADER: signing.sign(endpoint.secret, body),
        "X-Rapport-Event-Id": delivery.event_id,
        "X-Rapport-Event-Type": delivery.event_type,
        "X-Rapport-Delivery": str(delivery.pk),
    }
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        # The whole request (connect, send, answer, excerpt) within the timeout: httpx's own
        # timeouts are per step, and a receiver dripping bytes would hold the round.
        async with asyncio.timeout(settings.RAPPORT_WEBHOOK_TIMEOUT):
            async with client.stream("POST", endpoint.url, content=body, headers=headers) as r:
                data = b""
                async for chunk in r.aiter_bytes():
                    data += chunk
                    if len(data) >= 4 * EXCERPT_CHARS:
                        break  # enough for the log; the connection is dropped, not reused
                excerpt = data.decode("utf-8", "replace")[:EXCERPT_CHARS]
                return Result(r.status_code, excerpt, "", took())
    except TimeoutError:
        return Result(None, "", f"Timeout after {settings.RAPPORT_WEBHOOK_TIMEOUT} s", took())
    except (httpx.HTTPError, OSError, ValueError) as exc:  # refused, reset, TLS, bad URL
        return Result(None, "", f"{type(exc).__name__}: {exc}"[:500], took())


# --- claim, send, record -----------------------------------------------------------------------


def claim(limit: int, ids: list[int] | None = None) -> tuple[datetime, list[int]]:
    """Move up to `limit` due deliveries of active endpoints to "sending"; (claim time, ids)."""
    now = timezone.now()
    due = Delivery.objects.filter(
        state=DeliveryState.PENDING,
        next_attempt_at__lte=now,
        endpoint_id__in=Endpoint.objects.filter(is_active=True).values("pk"),
    )
    if ids is not None:
        due = due.filter(pk__in=ids)
    # Nothing due (an idle worker polls twice a second): a plain read, no write transaction
    # (on SQLite that would take the database's one write lock every poll).
    if not due.exists():
        return now, []
    with transaction.atomic():
        due = due.order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        picked = list(due.values_list("pk", flat=True)[:limit])
        if not picked:
            return now, []
        # The rows are locked by this transaction (PostgreSQL) or the database is (SQLite's
        # IMMEDIATE transaction): the state condition is a second guard, on the row itself.
        Delivery.objects.filter(pk__in=picked, state=DeliveryState.PENDING).update(
            state=DeliveryState.SENDING, attempts=F("attempts") + 1, started_at=now
        )
    return now, picked


def deliver_batch(
    limit: int | None = None, *, ids: list[int] | None = None, sender: Sender | None = None
) -> int:
    """One round: claim, send, record. Returns how many deliveries were claimed."""
    limit = limit or settings.RAPPORT_WEBHOOK_BATCH
    claimed_at, picked = claim(limit, ids)
    if not picked:
        return 0
    deliveries = list(
        Delivery.objects.filter(pk__in=picked, state=DeliveryState.SENDING, started_at=claimed_at)
        .select_related("endpoint")
        .order_by("next_attempt_at", "id")
    )
    groups: dict[int, tuple[Endpoint, list[Delivery]]] = {}
    refused: dict[int, Result] = {}
    for delivery in deliveries:
        endpoint = delivery.endpoint
        if endpoint.pk not in groups:
            groups[endpoint.pk] = (endpoint, [])
        groups[endpoint.pk][1].append(delivery)
    for endpoint_id, (endpoint, items) in list(groups.items()):
        # The address is checked again before sending (DNS can change since it was saved);
        # once per endpoint and round.
        try:
            check_webhook_url(endpoint.url)
        except ValidationError as exc:
            del groups[endpoint_id]
            refused.update((d.pk, Result(None, "", " ".join(exc.messages), 0)) for d in items)
    own = sender or Sender()
    try:
        results = own.send(groups) if groups else {}
    finally:
        if sender is None:
            own.close()
    results.update(refused)
    record(deliveries, results, claimed_at)
    return len(picked)


def record(deliveries: list[Delivery], results: dict[int, Result], claimed_at: datetime) -> None:
    """Log every attempt and move each delivery on, in one transaction. A row no longer
    carrying this claim (taken back as stuck and claimed again) is left to its new owner."""
    from .actions import backoff, count_failures

    now = timezone.now()
    changes: dict[tuple, list[int]] = defaultdict(list)
    released: list[int] = []
    outcomes: dict[int, list[bool]] = defaultdict(list)  # endpoint → results, oldest first
    attempts: list[Attempt] = []
    for delivery in deliveries:
        result = results.get(delivery.pk)
        if result is None:
            released.append(delivery.pk)
            continue
        attempts.append(
            Attempt(
                delivery_id=delivery.pk,
                at=now,
                status_code=result.status,
                response_excerpt=result.excerpt[:EXCERPT_CHARS],
                error=result.error[:500],
                duration_ms=result.duration_ms,
            )
        )
        outcomes[delivery.endpoint_id].append(result.ok)
        if result.ok:
            key = (("state", DeliveryState.DELIVERED), ("delivered_at", now))
            key += (("last_status", result.status), ("last_error", ""))
        else:
            key = (("last_status", result.status),)
            key += (("last_error", (result.error or result.excerpt)[:1000]),)
            if delivery.attempts >= settings.RAPPORT_WEBHOOK_MAX_ATTEMPTS:
                key += (("state", DeliveryState.FAILED),)
            else:
                key += (("state", DeliveryState.PENDING),)
                key += (("next_attempt_at", now + backoff(delivery.attempts)),)
        changes[key].append(delivery.pk)
    mine = {"state": DeliveryState.SENDING, "started_at": claimed_at}
    with transaction.atomic():
        Attempt.objects.bulk_create(attempts)
        for key, pks in changes.items():
            Delivery.objects.filter(pk__in=pks, **mine).update(**dict(key))
        if released:
            Delivery.objects.filter(pk__in=released, **mine).update(
                state=DeliveryState.PENDING,
                attempts=F("attempts") - 1,
                next_attempt_at=now + backoff(1),
            )
        for endpoint_id, oks in outcomes.items():
            count_failures(endpoint_id, oks)
