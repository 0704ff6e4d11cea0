import django.db.models.deletion
from django.db import migrations, models

# Only the two indexes go: Django's AlterField would also drop and re-add both foreign keys, which re-checks
# every response row under an exclusive lock (minutes at 10 M rows). The names are Django's own for these
# fields on every database.
SURVEY_INDEX = "surveys_response_survey_id_907701cf"
WINDOW_INDEX = "surveys_response_window_id_570b56fd"


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0005_cycle_inputs_version'),
        ('surveys', '0007_daily_rollups_by_day'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='response',
                    name='survey',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='responses', to='surveys.survey', verbose_name='调查'),
                ),
                migrations.AlterField(
                    model_name='response',
                    name='window',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='responses', to='agencies.window', verbose_name='窗口'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(f'DROP INDEX IF EXISTS "{SURVEY_INDEX}"',
                                  f'CREATE INDEX "{SURVEY_INDEX}" ON "surveys_response" ("survey_id")'),
                migrations.RunSQL(f'DROP INDEX IF EXISTS "{WINDOW_INDEX}"',
                                  f'CREATE INDEX "{WINDOW_INDEX}" ON "surveys_response" ("window_id")'),
            ],
        ),
        migrations.AddIndex(
            model_name='response',
            index=models.Index(condition=models.Q(('window__isnull', False)), fields=['window'], name='response_window'),
        ),
    ]
