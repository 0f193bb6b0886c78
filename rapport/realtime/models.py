"""The relay's table: realtime events raised outside the web process (docs/realtime.md)."""

from __future__ import annotations

from django.db import models


class RelayedEvent(models.Model):
    """One channel-layer message waiting for the web process to fan it out (CH1, CH3).

    Written by `send_now` in a worker, the scheduler or the mail worker when the channel layer
    is in-process (no REDIS_URL); the web process tails the table and sends each row to its own
    layer. Rows are a courtesy, not a record: they are deleted after a minute.
    """

    groups = models.JSONField(default=list)  # one row for every group of one event
    message = models.JSONField()
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{', '.join(self.groups)}: {self.message.get('type', '?')}"
