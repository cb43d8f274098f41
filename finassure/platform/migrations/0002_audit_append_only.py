"""Make the audit trail append-only in the database itself: no UPDATE, no DELETE inside the retention period."""

from django.db import migrations

RETENTION_DAYS = 184

SQLITE_FORWARD = [
    """CREATE TRIGGER platform_auditevent_no_update BEFORE UPDATE ON platform_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END""",
    f"""CREATE TRIGGER platform_auditevent_no_recent_delete BEFORE DELETE ON platform_auditevent
       WHEN OLD.ts > strftime('%Y-%m-%d %H:%M:%f', 'now', '-{RETENTION_DAYS} days')
       BEGIN SELECT RAISE(ABORT, 'audit records younger than {RETENTION_DAYS} days cannot be deleted'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS platform_auditevent_no_update",
    "DROP TRIGGER IF EXISTS platform_auditevent_no_recent_delete",
]

PG_FORWARD = [
    f"""CREATE OR REPLACE FUNCTION platform_auditevent_guard() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'audit trail cannot be truncated';
      END IF;
      IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit trail is append-only';
      END IF;
      IF OLD.ts > now() - interval '{RETENTION_DAYS} days' THEN
        RAISE EXCEPTION 'audit records younger than {RETENTION_DAYS} days cannot be deleted';
      END IF;
      RETURN OLD;
    END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER platform_auditevent_guard BEFORE UPDATE OR DELETE ON platform_auditevent
       FOR EACH ROW EXECUTE FUNCTION platform_auditevent_guard()""",
    # TRUNCATE bypasses row triggers; refuse it too.
    """CREATE TRIGGER platform_auditevent_no_truncate BEFORE TRUNCATE ON platform_auditevent
       FOR EACH STATEMENT EXECUTE FUNCTION platform_auditevent_guard()""",
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS platform_auditevent_no_truncate ON platform_auditevent",
    "DROP TRIGGER IF EXISTS platform_auditevent_guard ON platform_auditevent",
    "DROP FUNCTION IF EXISTS platform_auditevent_guard()",
]


def forward(apps, schema_editor):
    statements = PG_FORWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_FORWARD
    for sql in statements:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    statements = PG_BACKWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_BACKWARD
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("platform", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
