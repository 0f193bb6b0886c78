"""Load the built-in scenarios (rapport/training/scenarios/*.toml); later versions are loaded by
`manage.py training_load` (docs/training.md)."""

from django.db import migrations


def load(apps, schema_editor):
    from rapport.training.actions import load_builtins

    load_builtins(apps.get_model("training", "Scenario"))


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
