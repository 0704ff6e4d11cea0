"""A snapshot's scorecards and inputs as one compact document (SnapshotDocument, append-only).

The scorecard rows keep their card and inputs columns for the snapshots stored before (renamed in Python
only, `card_json` and `inputs_json`, and nullable: newer rows leave them null and read the document).
"""

import django.core.serializers.json
import django.db.models.deletion
from django.db import migrations, models

TABLE = "scoring_snapshotdocument"


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":  # scoring_append_only() is 0002's
        schema_editor.execute(f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
                              "FOR EACH ROW EXECUTE FUNCTION scoring_append_only();")


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};")


class Migration(migrations.Migration):

    dependencies = [
        ('scoring', '0008_scorecard_intervals_apart'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameField('scorecard', 'card', 'card_json'),
                migrations.RenameField('scorecard', 'inputs', 'inputs_json'),
                migrations.AlterField(
                    model_name='scorecard',
                    name='card_json',
                    field=models.JSONField(db_column='card', encoder=django.core.serializers.json.DjangoJSONEncoder, verbose_name='计分明细'),
                ),
                migrations.AlterField(
                    model_name='scorecard',
                    name='inputs_json',
                    field=models.JSONField(db_column='inputs', encoder=django.core.serializers.json.DjangoJSONEncoder, verbose_name='输入汇总'),
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterField(
            model_name='scorecard',
            name='card_json',
            field=models.JSONField(blank=True, db_column='card', encoder=django.core.serializers.json.DjangoJSONEncoder, null=True, verbose_name='计分明细'),
        ),
        migrations.AlterField(
            model_name='scorecard',
            name='inputs_json',
            field=models.JSONField(blank=True, db_column='inputs', encoder=django.core.serializers.json.DjangoJSONEncoder, null=True, verbose_name='输入汇总'),
        ),
        migrations.CreateModel(
            name='SnapshotDocument',
            fields=[
                ('snapshot', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='document', serialize=False, to='scoring.rankingsnapshot', verbose_name='快照')),
                ('body', models.BinaryField(verbose_name='内容')),
            ],
            options={
                'verbose_name': '快照文档',
                'verbose_name_plural': '快照文档',
            },
        ),
        migrations.RunPython(create_trigger, drop_trigger, elidable=False),
    ]
