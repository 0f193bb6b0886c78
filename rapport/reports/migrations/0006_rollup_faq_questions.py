from django.db import migrations, models
from django.db.models import Max
from django.utils import timezone

# The FAQ questions' cells (measures faq_q and faq_t: the problems page's recurring problems,
# issue #9) cannot be derived from the other cells: a desk that has folded tickets gets them
# from its next full `manage.py reports_rebuild` (until then the problems page reads the
# questions, as before). A desk with nothing folded yet has them from its first fold on.


def problems_complete_when_empty(apps, schema_editor):
    State = apps.get_model("reports", "RollupState")  # noqa: N806
    if apps.get_model("reports", "TicketFacts").objects.exists():
        # The questions asked so far wait for the full rebuild; the fold starts after them
        # (rather than re-folding every asked ticket, 20,000 questions a minute).
        last = apps.get_model("suggest", "FaqQuestion").objects.aggregate(m=Max("pk"))["m"]
        State.objects.filter(pk=1).update(last_faq_id=last or 0)
        return
    state, _ = State.objects.get_or_create(pk=1)
    State.objects.filter(pk=state.pk).update(problems_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_rollup_tag_levels"),
        ("suggest", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="rollupstate",
            name="last_faq_id",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="rollupstate",
            name="problems_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(problems_complete_when_empty, migrations.RunPython.noop),
    ]
