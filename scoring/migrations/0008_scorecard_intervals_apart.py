"""The 95% intervals of a scorecard live apart from it, stored after the official result (append-only too)."""

import django.core.serializers.json
import django.db.models.deletion
from django.db import migrations, models

TABLE = "scoring_scorecardinterval"


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":  # scoring_append_only() is 0002's
        schema_editor.execute(f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
                              "FOR EACH ROW EXECUTE FUNCTION scoring_append_only();")


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};")


class Migration(migrations.Migration):

    dependencies = [
        ('scoring', '0007_snapshot_inputs_version'),
    ]

    operations = [
        migrations.CreateModel(
            name='ScorecardInterval',
            fields=[
                ('scorecard', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='interval', serialize=False, to='scoring.scorecard', verbose_name='计分卡')),
                ('values', models.JSONField(encoder=django.core.serializers.json.DjangoJSONEncoder, verbose_name='95% 区间')),
            ],
            options={
                'verbose_name': '计分卡区间',
                'verbose_name_plural': '计分卡区间',
            },
        ),
        migrations.RunPython(create_trigger, drop_trigger, elidable=False),
    ]
