"""Background work beyond single tasks: periodic jobs and the scheduler that enqueues them, and
``enqueue_on_commit`` for the common "enqueue after commit, never fail the request" case.

See docs/background.md.
"""

from .enqueue import enqueue_on_commit, try_enqueue

__all__ = ["enqueue_on_commit", "try_enqueue"]
