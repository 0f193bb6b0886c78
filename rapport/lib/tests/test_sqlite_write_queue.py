"""The SQLite backend queues writers on a lock file (rapport/lib/sqlite/base.py)."""

import threading

import pytest
from django.db import connection, connections, transaction

from rapport.accounts.models import Team

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the write queue is SQLite's")


@pytest.mark.django_db(transaction=True)
def test_a_second_writer_waits_for_the_first_to_commit_then_writes():
    first_in = threading.Event()
    let_go = threading.Event()
    order: list[str] = []

    def first():
        try:
            with transaction.atomic():
                Team.objects.create(name="First")
                first_in.set()
                let_go.wait(10)
                order.append("first commits")
        finally:
            connections.close_all()

    def second():
        try:
            first_in.wait(10)
            with transaction.atomic():
                order.append("second writes")
                Team.objects.create(name="Second")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    first_in.wait(10)
    # The second writer is queued on the lock, not failing with "database is locked".
    threads[1].join(0.3)
    assert threads[1].is_alive()
    let_go.set()
    for t in threads:
        t.join(20)
    assert order == ["first commits", "second writes"]
    assert set(Team.objects.values_list("name", flat=True)) >= {"First", "Second"}


@pytest.mark.django_db(transaction=True)
def test_the_lock_is_released_by_a_rollback():
    with pytest.raises(RuntimeError), transaction.atomic():
        Team.objects.create(name="Rolled back")
        raise RuntimeError
    assert connection._write_lock_held is False
    with transaction.atomic():
        Team.objects.create(name="Kept")
        assert connection._write_lock_held is True
    assert connection._write_lock_held is False
    assert list(
        Team.objects.filter(name__in=["Kept", "Rolled back"]).values_list("name", flat=True)
    ) == ["Kept"]


@pytest.mark.django_db(transaction=True)
def test_the_holder_of_the_lock_sees_that_another_writer_waits():
    """A writer that has to wait announces it (a shared lock on <database>.writewait): the
    intake worker's batch asks between messages and commits early (TR1, issue #3)."""
    waiting_writer_done = threading.Event()

    def waiting_writer():
        try:
            with transaction.atomic():
                Team.objects.create(name="Waited")
        finally:
            connections.close_all()
            waiting_writer_done.set()

    with transaction.atomic():
        Team.objects.create(name="Holder")
        assert connection.writers_waiting() is False
        thread = threading.Thread(target=waiting_writer)
        thread.start()
        for _ in range(200):  # up to 2 s for the thread to start waiting
            if connection.writers_waiting():
                break
            thread.join(0.01)
        assert connection.writers_waiting() is True
        assert not waiting_writer_done.is_set()
    thread.join(20)
    assert waiting_writer_done.is_set()
    assert connection.writers_waiting() is False  # nobody waits any more
    assert Team.objects.filter(name__in=["Holder", "Waited"]).count() == 2
