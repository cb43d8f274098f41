"""Search by phone or ID number: one index on (blind index, org unit) instead of the blind index alone.

At a million complaints the scoped search intersected the blind-index bitmap with the org-unit index once per
unit in scope (~50,000 entries each): 380 ms for 1,000 matches. With the unit in the same index each unit is
one short index range. The composite index serves equality on the blind index alone too (merge candidates),
so the single-column indexes go.

They are dropped by name, not by `AlterField`: on SQLite an altered field remakes the table, which would drop
the statistics triggers of migration 0008.
"""

from django.db import migrations, models

OLD_INDEXES = {"phone_index": "service_complaint_phone_index_95e98edf",
               "id_number_index": "service_complaint_id_number_index_83876556"}


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('service', '0008_complaint_daily_counts'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(fields=['phone_index', 'org_unit'], name='service_cmp_phone_unit_idx'),
        ),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(fields=['id_number_index', 'org_unit'], name='service_cmp_idnum_unit_idx'),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='complaint',
                    name=field,
                    field=models.CharField(blank=True, editable=False, max_length=64),
                )
                for field in OLD_INDEXES
            ],
            database_operations=[
                migrations.RunSQL(
                    # the `_like` twin exists on PostgreSQL only (IF EXISTS: a no-op elsewhere)
                    [f'DROP INDEX IF EXISTS "{name}"', f'DROP INDEX IF EXISTS "{name}_like"'],
                    reverse_sql=f'CREATE INDEX "{name}" ON "service_complaint" ("{field}")',
                )
                for field, name in OLD_INDEXES.items()
            ],
        ),
    ]
