import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clean_cache():
    """Presence markers and counters live in the cache: every test starts with an empty one."""
    cache.clear()
    yield
    cache.clear()
