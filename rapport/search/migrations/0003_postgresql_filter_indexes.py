# PostgreSQL only (issue #7, bench/README.md "Search"): btree indexes on the filter columns,
# so a selective filter (status:open, team:, a date range) combines with the GIN bitmap of
# the words (BitmapAnd) instead of reading every match's row, and a filter-only query
# (status:open) walks its own index newest first. SQLite's plans start from FTS5 and would
# only pay for them on every write: nothing changes there.

from django.db import migrations

POSTGRESQL = [
    "CREATE INDEX search_document_status ON search_searchdocument (status, id)",
    "CREATE INDEX search_document_team ON search_searchdocument (team_id, id)",
    "CREATE INDEX search_document_created ON search_searchdocument (created_at)",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX IF EXISTS search_document_status",
    "DROP INDEX IF EXISTS search_document_team",
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
