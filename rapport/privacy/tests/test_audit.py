"""The audit log (#10.6): what is recorded, and that it cannot be changed (docs/privacy.md)."""

from __future__ import annotations

from django.db import DatabaseError, connection, transaction

from rapport.privacy import appendonly
from rapport.privacy.audit import record
from rapport.privacy.models import Action, AppendOnlyError, AuditEntry
from rapport.test import BaseTestCase

TABLE = AuditEntry._meta.db_table
UPDATE = f"UPDATE {TABLE} SET object_id = '2' WHERE id = %s"  # noqa: S608 — our table's name
DELETE = f"DELETE FROM {TABLE} WHERE id = %s"  # noqa: S608


def execute(sql: str, pk: int) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [pk])


class AppendOnlyTest(BaseTestCase):
    def test_the_orm_refuses_to_change_or_delete_an_entry(self):
        entry = record(Action.VIEW, "ticket", 1, actor=self.alice)
        entry.object_id = "2"
        with self.assertRaises(AppendOnlyError):
            entry.save()
        with self.assertRaises(AppendOnlyError):
            entry.delete()
        with self.assertRaises(AppendOnlyError):
            AuditEntry.objects.filter(pk=entry.pk).update(object_id="3")
        with self.assertRaises(AppendOnlyError):
            AuditEntry.objects.filter(pk=entry.pk).delete()
        self.assertEqual(AuditEntry.objects.get(pk=entry.pk).object_id, "1")

    def test_the_database_refuses_update_and_delete_in_sql(self):
        entry = record(Action.VIEW, "ticket", 1, actor=self.alice)
        for sql in (UPDATE, DELETE):
            with self.subTest(sql), self.assertRaises(DatabaseError):
                execute(sql, entry.pk)
        self.assertEqual(AuditEntry.objects.get(pk=entry.pk).object_id, "1")

    def test_only_the_unlocked_block_may_delete_and_never_update(self):
        entry = record(Action.VIEW, "ticket", 1, actor=self.alice)
        with self.assertRaises(DatabaseError), appendonly.unlocked():
            execute(UPDATE, entry.pk)
        with appendonly.unlocked():
            execute(DELETE, entry.pk)
        self.assertFalse(AuditEntry.objects.filter(pk=entry.pk).exists())
        other = record(Action.VIEW, "ticket", 2, actor=self.alice)
        with self.assertRaises(DatabaseError):  # locked again afterwards
            execute(DELETE, other.pk)
