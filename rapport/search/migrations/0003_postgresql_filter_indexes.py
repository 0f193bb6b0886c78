# PostgreSQL only (issue #7, bench/README.md "Search"): btree indexes on the status and the
# date, so a selective filter (status:open, a date range) combines with the GIN bitmap of
# the words (BitmapAnd) instead of reading every match's row, and a filter-only query
# (status:open) walks its own index newest first. Not on the team: an agent's teams hold
# half the documents, and the planner then ORed a bitmap of all of them into every query
# (55 ms at 100k tickets). SQLite's plans start from FTS5 and would only pay for these on
# every write: nothing changes there.

from django.db import migrations

POSTGRESQL = [
    "CREATE INDEX search_document_status ON search_searchdocument (status, id)",
    "CREATE INDEX search_document_created ON search_searchdocument (created_at)",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX IF EXISTS search_document_status",
    "DROP INDEX IF EXISTS search_document_created",
]


def _run(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_article"),
    ]

    operations = [
        migrations.RunPython(_run(POSTGRESQL), _run(POSTGRESQL_REVERSE)),
    ]
