"""Shared helpers for the review tests: sources, the fixture CSV files, one review taken in."""

from __future__ import annotations

from pathlib import Path

from rapport.reviews.actions import do_receive_review
from rapport.reviews.models import ReviewSource

FIXTURES = Path(__file__).with_name("fixtures")


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def make_source(name: str = "Yandex Maps", team=None, **extra) -> ReviewSource:
    return ReviewSource.objects.create(name=name, team=team, **extra)


def take_in(source: ReviewSource, **fields):
    """One review through the real path (stored raw, intake, the coach); returns the Review."""
    fields.setdefault("rating", "2")
    fields.setdefault("text", "The courier was three hours late and nobody called me.")
    fields.setdefault("author", "Ivan")
    result = do_receive_review(source, fields, via="test")
    assert result.review is not None, result.errors
    return result.review
