"""The relay's table: realtime events raised outside the web process (docs/realtime.md)."""

from __future__ import annotations

from django.db import models


class RelayedEvent(models.Model):
    """One channel-layer message waiting for the web process to fan it out (CH1, CH3).

    Written by `send_now` in a worker, the scheduler or the mail worker when the channel layer
    is in-process (no REDIS_URL), and by each web process when several share the machine
    (RAPPORT_WEB_PROCESSES); every web process tails the table and sends each row to its own
    layer, except its own rows (`origin`). Rows are a courtesy, not a record: they are deleted
    after a minute.
    """

    groups = models.JSONField(default=list)  # one row for every group of one event
    message = models.JSONField()
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    # The web process that wrote the row (relay.origin(): random per process start), which
    # already sent it to its own browsers; 0 for any other process (a worker).
    origin = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{', '.join(self.groups)}: {self.message.get('type', '?')}"
