"""On PostgreSQL, reject UPDATE and DELETE on the append-only tables even outside the ORM.

The ledger, assessment revisions and snapshots are corrected by appending, never by
rewriting. SQLite (the embedded default) relies on the model and queryset guards.
"""
from django.db import migrations

TABLES = ["scoring_scoreentry", "scoring_assessment", "scoring_rankingsnapshot", "scoring_scorecard"]

FUNCTION = """
CREATE OR REPLACE FUNCTION scoring_append_only() RETURNS trigger AS $$
BEGIN
    -- No percent signs here: the migration's SQL passes through the driver's parameter formatting.
    RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION scoring_append_only();"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS scoring_append_only();")


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_ledger_assessment_snapshots")]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
