from .base import desk  # noqa: F401 — the shared fixture
