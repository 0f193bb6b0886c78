"""The in-process channel layer, cheaper per message (issue #6; docs/realtime.md).

Channels' `InMemoryChannelLayer` walks every channel and every group of the process
(`_clean_expired`: expired messages, group memberships older than `group_expiry`) on every
`receive` and every `group_send`. With 1,000 chat visitors that is ~1,000 channels and ~2,000
groups walked twice for each message pushed to one widget. Here the walk runs at most once a
second: a message still expires after `expiry` seconds (60) and a membership after
`group_expiry` (a day), up to a second later than before. `group_send` sends to each member
in turn instead of a task per member (its `send` never waits: a full channel drops the
message, as before).

Several web processes on one machine (RAPPORT_WEB_PROCESSES > 1, no Redis; relay.py): each
has its own layer, and `forward` (set by relay.start) hands every group message sent here to
the relay, which writes it for the other processes after sending it here at once. What the
relay reads from the other processes is sent with `group_send_local` (never forwarded back).
"""

from __future__ import annotations

import time

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer as ChannelsInMemoryChannelLayer

CLEAN_EVERY = 1.0  # seconds between two walks of every channel and group


class InMemoryChannelLayer(ChannelsInMemoryChannelLayer):
    _cleaned = 0.0
    # relay.start sets it when several web processes share the machine: (groups, message) ->
    # None, thread-safe and never waiting (the relay's writer thread does the writing).
    forward = None

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._cleaned < CLEAN_EVERY:
            return
        self._cleaned = now
        super()._clean_expired()

    async def group_send(self, group, message):
        await self.group_send_local(group, message)
        if self.forward is not None:
            self.forward([group], message)

    async def group_send_many(self, groups, message):
        """The same message to each group; forwarded once (one relay row for all)."""
        for group in groups:
            await self.group_send_local(group, message)
        if self.forward is not None:
            self.forward(list(groups), message)

    async def group_send_local(self, group, message):
        """To this process's members only."""
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in list(self.groups.get(group, ())):
            try:
                await self.send(channel, message)
            except ChannelFull:
                pass  # as Channels' own layer: a full channel (a stalled client) misses it

    async def flush(self):
        await super().flush()
        self._cleaned = 0.0
