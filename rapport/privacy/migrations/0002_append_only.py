"""The audit log refuses UPDATE and DELETE in the database itself (rapport/privacy/appendonly.py)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from rapport.privacy import appendonly

    appendonly.install(schema_editor)


def backwards(apps, schema_editor):
    from rapport.privacy import appendonly

    appendonly.remove(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
