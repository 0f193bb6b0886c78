"""The database half of the audit log's append-only rule (rapport.privacy.models says why).

SQLite: two triggers. UPDATE always aborts; DELETE aborts unless `rapport_audit_unlocked()`
returns 1 — a function this module registers on each of Rapport's own connections, true only
inside `unlocked()`. Any other client (the sqlite3 shell) has no such function, so its DELETE
fails too.

PostgreSQL: one row trigger. UPDATE always raises; DELETE raises unless the transaction has
`SET LOCAL rapport.audit_unlock = 'on'`, which `unlocked()` does. TRUNCATE fires no row
trigger: it is what `flush` (emptying the whole database) uses, and it needs the table's
owner's rights, which an application role should not have in production (docs/privacy.md).
"""

from __future__ import annotations

import contextlib
import threading

from django.db import connection, transaction

_state = threading.local()

SQLITE_INSTALL = [
    """CREATE TRIGGER IF NOT EXISTS privacy_audit_no_update
       BEFORE UPDATE ON privacy_auditentry
       BEGIN SELECT RAISE(ABORT, 'privacy_auditentry is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS privacy_audit_no_delete
       BEFORE DELETE ON privacy_auditentry
       WHEN rapport_audit_unlocked() = 0
       BEGIN SELECT RAISE(ABORT, 'privacy_auditentry is append-only'); END""",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS privacy_audit_no_update",
    "DROP TRIGGER IF EXISTS privacy_audit_no_delete",
]
PG_INSTALL = [
    """CREATE OR REPLACE FUNCTION privacy_audit_guard() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'DELETE'
            AND coalesce(current_setting('rapport.audit_unlock', true), '') = 'on' THEN
           RETURN OLD;
         END IF;
         RAISE EXCEPTION 'privacy_auditentry is append-only'
           USING ERRCODE = 'insufficient_privilege';
       END $$""",
    """CREATE TRIGGER privacy_audit_append_only
       BEFORE UPDATE OR DELETE ON privacy_auditentry
       FOR EACH ROW EXECUTE FUNCTION privacy_audit_guard()""",
]
PG_REMOVE = [
    "DROP TRIGGER IF EXISTS privacy_audit_append_only ON privacy_auditentry",
    "DROP FUNCTION IF EXISTS privacy_audit_guard()",
]


def _is_unlocked() -> int:
    return 1 if getattr(_state, "unlocked", False) else 0


def register_sqlite_function(sender, connection, **kwargs) -> None:
    """connection_created: give each SQLite connection of ours the function the trigger asks."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "rapport_audit_unlocked", 0, _is_unlocked, deterministic=False
        )


@contextlib.contextmanager
def unlocked(using=None):
    """Let DELETE through on the audit table for this block (one transaction)."""
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL rapport.audit_unlock = 'on'")
        previous = getattr(_state, "unlocked", False)
        _state.unlocked = True
        try:
            yield
        finally:
            _state.unlocked = previous
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL rapport.audit_unlock = 'off'")


def install(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_INSTALL, "postgresql": PG_INSTALL}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def remove(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_REMOVE, "postgresql": PG_REMOVE}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)
