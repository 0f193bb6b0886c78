# SQLite only (issue #7, docs/search.md "Dates on SQLite"): for each day (UTC) the lowest and
# highest document id ever written with a date on that day, kept by triggers. FTS5 knows no
# date, so `order before:2025-03-01` walked every newer match of `order` first (the newest
# matches are all too new); with the highest id of the days before the date FTS5 seeks to it
# (`search_fts.rowid <= N`), and `after:` starts no lower than the lowest id of its days.
# Deleted documents are not taken out: a bound only loosens, it never excludes a match.
# PostgreSQL reads the date's btree (0003) instead: nothing changes there.
#
# The rebuild sets the insert trigger aside with FTS5's and fills the days with one
# INSERT … SELECT per batch (indexing._replace); search_rebuild --clear empties the table.

from django.db import migrations

TRIGGER_INSERT = """CREATE TRIGGER search_day_insert AFTER INSERT ON search_searchdocument BEGIN
    INSERT INTO search_day(day, first_id, last_id)
    VALUES (substr(new.created_at, 1, 10), new.id, new.id)
    ON CONFLICT(day) DO UPDATE SET first_id = min(first_id, excluded.first_id),
        last_id = max(last_id, excluded.last_id);
END"""
TRIGGER_UPDATE = """CREATE TRIGGER search_day_update AFTER UPDATE OF created_at
    ON search_searchdocument BEGIN
    INSERT INTO search_day(day, first_id, last_id)
    VALUES (substr(new.created_at, 1, 10), new.id, new.id)
    ON CONFLICT(day) DO UPDATE SET first_id = min(first_id, excluded.first_id),
        last_id = max(last_id, excluded.last_id);
END"""
# One statement for many rows (a batch of the rebuild, the backfill): WHERE true is SQLite's
# way to let ON CONFLICT follow a SELECT.
FILL = """INSERT INTO search_day(day, first_id, last_id)
    SELECT substr(created_at, 1, 10), min(id), max(id) FROM search_searchdocument
    WHERE {where} GROUP BY 1
    ON CONFLICT(day) DO UPDATE SET first_id = min(first_id, excluded.first_id),
        last_id = max(last_id, excluded.last_id)"""

SQLITE = [
    """CREATE TABLE search_day (
        day TEXT PRIMARY KEY, first_id INTEGER NOT NULL, last_id INTEGER NOT NULL
    ) WITHOUT ROWID""",
    TRIGGER_INSERT,
    TRIGGER_UPDATE,
    FILL.format(where="true"),
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS search_day_insert",
    "DROP TRIGGER IF EXISTS search_day_update",
    "DROP TABLE IF EXISTS search_day",
]


def _run(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0003_postgresql_filter_indexes"),
    ]

    operations = [
        migrations.RunPython(_run(SQLITE), _run(SQLITE_REVERSE)),
    ]
