"""Shared test helpers: a CTI integration with a known token, posting events, and listening
on the real (in-memory) channel layer for what was pushed to an agent's browser."""

from __future__ import annotations

import json

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from rapport.phone.models import CtiIntegration
from rapport.realtime.publish import user_group


def make_integration(team, name: str = "Office PBX") -> tuple[CtiIntegration, str]:
    integration = CtiIntegration(name=name, team=team)
    token = integration.new_token()
    integration.save()
    return integration, token


def post_event(client, integration, token: str | None, **event):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return client.post(
        f"/phone/cti/{integration.pk}/",
        data=json.dumps(event),
        content_type="application/json",
        **headers,
    )


class Inbox:
    """A browser's channel, subscribed to one agent's group on the real channel layer."""

    def __init__(self, user) -> None:
        self.layer = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()
        async_to_sync(self.layer.group_add)(user_group(user.pk), self.channel)

    def drain(self) -> list[dict]:
        """Everything pushed so far. The first wait is long: on the Redis layer, under load, the
        first receive (a new connection on a new event loop) took more than 50 ms in CI and an
        event already sent was reported missing."""
        got = []
        timeout = 2.0
        while True:
            try:
                got.append(async_to_sync(self._receive)(timeout))
            except TimeoutError:
                return got
            timeout = 0.2

    async def _receive(self, timeout: float):
        import asyncio

        return await asyncio.wait_for(self.layer.receive(self.channel), timeout)
