"""Background work beyond single tasks: periodic jobs and the scheduler that enqueues them.

See docs/background.md.
"""
