"""The audit log (#10.6): what is recorded, and that it cannot be changed (docs/privacy.md)."""

from __future__ import annotations

import csv
import io

from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from rapport.privacy import appendonly
from rapport.privacy.audit import record
from rapport.privacy.models import Action, AppendOnlyError, AuditEntry
from rapport.test import BaseTestCase, make_agent, receive

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


def entries(**lookup) -> list[tuple]:
    return list(
        AuditEntry.objects.filter(**lookup)
        .order_by("pk")
        .values_list("actor_name", "action", "object_type", "object_id")
    )


class RecordingTest(BaseTestCase):
    """What the middleware and the signals record, and what they leave out."""

    def test_it_records_who_viewed_a_ticket_and_a_customer_and_from_where(self):
        self.login(self.alice)
        self.client.get(reverse("ticket", args=[self.carol_ticket.pk]), REMOTE_ADDR="203.0.113.7")
        self.client.get(reverse("customer", args=[self.carol.pk]))
        self.assertEqual(
            entries(action=Action.VIEW),
            [
                ("alice", "view", "ticket", str(self.carol_ticket.pk)),
                ("alice", "view", "customer", str(self.carol.pk)),
            ],
        )
        entry = AuditEntry.objects.filter(action=Action.VIEW).order_by("pk").first()
        self.assertEqual(entry.ip, "203.0.113.7")
        self.assertEqual(entry.path, f"/tickets/{self.carol_ticket.pk}/")

    def test_a_live_refresh_of_an_open_page_is_not_a_new_view(self):
        self.login(self.alice)
        url = reverse("ticket", args=[self.carol_ticket.pk])
        self.client.get(url)
        self.client.get(url, headers={"X-Rapport-Live": "1"})
        self.assertEqual(len(entries(action=Action.VIEW)), 1)

    def test_a_refused_view_records_nothing(self):
        self.login(self.charlie)  # Billing: may not see Support's ticket
        response = self.client.get(reverse("ticket", args=[self.carol_ticket.pk]))
        self.assertEqual(response.status_code, 404)
        self.assertEqual(entries(action=Action.VIEW), [])

    def test_it_records_a_merge_with_both_sides_and_not_a_refused_one(self):
        other = receive(sender="carol@example.com", external_id="<c-2>", subject="Again").ticket
        self.login(self.alice)
        self.client.post(reverse("ticket-merge", args=[other.pk]), {"target": other.pk})
        self.assertEqual(entries(action=Action.MERGE), [])  # refused: into itself
        self.client.post(reverse("ticket-merge", args=[other.pk]), {"target": self.carol_ticket.pk})
        [entry] = AuditEntry.objects.filter(action=Action.MERGE)
        self.assertEqual(
            (entry.object_id, entry.detail), (str(other.pk), {"target": str(self.carol_ticket.pk)})
        )

    def test_it_records_a_report_export(self):
        self.login(self.sam)
        url = reverse("reports-export", args=["dashboard", "channels", "csv"])
        self.assertEqual(self.client.get(url).status_code, 200)
        [entry] = AuditEntry.objects.filter(action=Action.EXPORT)
        self.assertEqual(entry.object_type, "report")
        self.assertEqual(entry.detail, {"page": "dashboard", "name": "channels", "fmt": "csv"})

    def test_it_records_sign_in_sign_out_and_failed_sign_in(self):
        self.client.post(reverse("login"), {"username": "alice", "password": "wrong"})
        self.client.post(reverse("login"), {"username": "alice", "password": "password"})
        self.client.post(reverse("logout"))
        rows = entries(action__in=[Action.LOGIN, Action.LOGOUT, Action.LOGIN_FAILED])
        self.assertEqual(
            [r[:2] for r in rows],
            [("", "login.failed"), ("alice", "login"), ("alice", "logout")],
        )
        failed = AuditEntry.objects.get(action=Action.LOGIN_FAILED)
        self.assertEqual(failed.detail, {"username": "alice"})
        self.assertNotIn("wrong", str(failed.detail))

    def test_it_records_api_token_creation_and_an_api_read(self):
        self.login(self.alice)
        self.client.post(reverse("api-tokens"), {"name": "CRM sync", "scope": "read"})
        [entry] = AuditEntry.objects.filter(action=Action.TOKEN_CREATED)
        self.assertEqual(entry.actor_name, "alice")
        self.assertEqual(entry.detail["scope"], "read")
        self.client.get(reverse("api-ticket-detail", args=[self.carol_ticket.pk]))
        self.assertIn(
            ("alice", "view", "ticket", str(self.carol_ticket.pk)), entries(action=Action.VIEW)
        )

    def test_it_records_a_deletion_in_the_admin(self):
        from rapport.tickets.models import Tag

        tag = Tag.objects.create(name="spam")
        admin = make_agent("ada", role="admin", is_staff=True, is_superuser=True)
        self.login(admin)
        url = reverse("admin:tickets_tag_delete", args=[tag.pk])
        self.client.post(url, {"post": "yes"})
        self.assertEqual(
            entries(action=Action.DELETE), [("ada", "delete", "tickets.tag", str(tag.pk))]
        )


class AuditPageTest(BaseTestCase):
    def test_supervisors_browse_filter_and_export_it_agents_may_not(self):
        record(Action.VIEW, "ticket", 7, actor=self.alice)
        record(Action.EXPORT, "customer", 8, actor=self.bob, detail={"format": "zip"})
        self.login(self.alice)
        self.assertEqual(self.client.get(reverse("privacy-audit")).status_code, 403)
        self.assertEqual(self.client.get(reverse("privacy-audit-csv")).status_code, 403)
        self.login(self.sam)
        page = self.client.get(reverse("privacy-audit"), {"actor": "bob"})
        self.assertContains(page, "format=zip")
        self.assertEqual(len(page.context["entries"]), 1)
        response = self.client.get(reverse("privacy-audit-csv"), {"action": "view"})
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(rows[0][:5], ["id", "at", "actor_id", "actor", "action"])
        self.assertEqual([(r[3], r[4], r[6]) for r in rows[1:]], [("alice", "view", "7")])
        # The export of the log is itself recorded.
        self.assertEqual(
            entries(action=Action.EXPORT, object_type="audit_log"),
            [("sam", "export", "audit_log", "")],
        )
