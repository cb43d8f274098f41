"""Daily complaint counts for the statistics page, and the triggers that mark the hours whose counts changed.

The triggers live in the database so that every write path marks its change: the services, the bulk import's
raw multi-row INSERT, `QuerySet.update`, data fixes in a shell. Existing complaints are marked at migration
time, so they are counted live until the worker's first rebuild (`services.complaint_counts_refresh`).
"""

import django.db.models.deletion
from django.db import migrations, models


PG_TRUNC = "date_trunc('hour', {0} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
PG_UPSERT = ("INSERT INTO service_complaintcountdirtyhour (hour, version) SELECT DISTINCT h, 1 FROM ({0}) AS marks "
             "ON CONFLICT (hour) DO UPDATE SET version = service_complaintcountdirtyhour.version + 1")


# What a complaint contributes to the counts; a change in any of these marks its old and its new hour.
# Keep in step with `selectors.statistics_live`.
def pg_contribution(alias: str) -> str:
    return ("ROW((" + alias + ".kind = 'complaint' AND " + alias + ".merged_into_id IS NULL), "
            + ", ".join(f"{alias}.{c}" for c in ("received_at", "org_unit_id", "product_line", "category_id",
                                                 "root_cause", "is_major"))
            + f", {alias}.status = 'closed', COALESCE({alias}.status = 'closed' AND {alias}.handling_hours <= 48, FALSE))")


PG_FORWARD = [
    f"""CREATE OR REPLACE FUNCTION service_complaint_counts_mark() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        {PG_UPSERT.format("SELECT " + PG_TRUNC.format("received_at") + " AS h FROM new_rows")};
      ELSIF TG_OP = 'DELETE' THEN
        {PG_UPSERT.format("SELECT " + PG_TRUNC.format("received_at") + " AS h FROM old_rows")};
      ELSE
        {PG_UPSERT.format("SELECT " + PG_TRUNC.format("v.at") + " AS h FROM old_rows o JOIN new_rows n ON n.id = o.id"
                          " CROSS JOIN LATERAL (VALUES (o.received_at), (n.received_at)) AS v(at)"
                          f" WHERE {pg_contribution('o')} IS DISTINCT FROM {pg_contribution('n')}")};
      END IF;
      RETURN NULL;
    END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER service_complaint_counts_insert AFTER INSERT ON service_complaint
       REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION service_complaint_counts_mark()""",
    """CREATE TRIGGER service_complaint_counts_update AFTER UPDATE ON service_complaint
       REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION service_complaint_counts_mark()""",
    """CREATE TRIGGER service_complaint_counts_delete AFTER DELETE ON service_complaint
       REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION service_complaint_counts_mark()""",
    PG_UPSERT.format("SELECT " + PG_TRUNC.format("received_at") + " AS h FROM service_complaint"),
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS service_complaint_counts_insert ON service_complaint",
    "DROP TRIGGER IF EXISTS service_complaint_counts_update ON service_complaint",
    "DROP TRIGGER IF EXISTS service_complaint_counts_delete ON service_complaint",
    "DROP FUNCTION IF EXISTS service_complaint_counts_mark()",
]


def sqlite_mark(column: str) -> str:
    return ("INSERT INTO service_complaintcountdirtyhour (hour, version) "
            f"VALUES (strftime('%Y-%m-%d %H:00:00', {column}), 1) ON CONFLICT (hour) DO UPDATE SET version = version + 1;")


def sqlite_contribution(alias: str) -> str:
    return (f"(({alias}.kind = 'complaint' AND {alias}.merged_into_id IS NULL), "
            + ", ".join(f"{alias}.{c}" for c in ("received_at", "org_unit_id", "product_line", "category_id",
                                                 "root_cause", "is_major"))
            + f", {alias}.status = 'closed', COALESCE({alias}.status = 'closed' AND {alias}.handling_hours <= 48, 0))")


SQLITE_FORWARD = [
    f"""CREATE TRIGGER service_complaint_counts_insert AFTER INSERT ON service_complaint
       BEGIN {sqlite_mark("NEW.received_at")} END""",
    f"""CREATE TRIGGER service_complaint_counts_update AFTER UPDATE ON service_complaint
       WHEN {sqlite_contribution("OLD")} IS NOT {sqlite_contribution("NEW")}
       BEGIN {sqlite_mark("OLD.received_at")} {sqlite_mark("NEW.received_at")} END""",
    f"""CREATE TRIGGER service_complaint_counts_delete AFTER DELETE ON service_complaint
       BEGIN {sqlite_mark("OLD.received_at")} END""",
    "INSERT OR IGNORE INTO service_complaintcountdirtyhour (hour, version) "
    "SELECT DISTINCT strftime('%Y-%m-%d %H:00:00', received_at), 1 FROM service_complaint",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS service_complaint_counts_insert",
    "DROP TRIGGER IF EXISTS service_complaint_counts_update",
    "DROP TRIGGER IF EXISTS service_complaint_counts_delete",
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

    dependencies = [
        ('accounts', '0001_initial'),
        ('service', '0007_complaint_merge'),
    ]

    operations = [
        migrations.CreateModel(
            name='ComplaintCountDirtyHour',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('hour', models.DateTimeField(unique=True)),
                ('version', models.PositiveIntegerField(default=1)),
            ],
            options={
                'verbose_name': 'changed complaint hour',
            },
        ),
        migrations.CreateModel(
            name='ComplaintDailyCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(db_index=True)),
                ('product_line', models.CharField(max_length=32)),
                ('root_cause', models.CharField(blank=True, max_length=32)),
                ('n', models.PositiveIntegerField(default=0)),
                ('major', models.PositiveIntegerField(default=0)),
                ('closed', models.PositiveIntegerField(default=0)),
                ('closed_within_48h', models.PositiveIntegerField(default=0)),
                ('category', models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='service.complaintcategory')),
                ('org_unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.orgunit')),
            ],
            options={
                'verbose_name': 'daily complaint count',
            },
        ),
        migrations.RunPython(forward, backward),
    ]
