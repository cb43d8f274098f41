import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("monitoring", "0002_alert_closed_at"),
    ]

    operations = [
        migrations.AlterField(
            model_name="alert",
            name="run",
            field=models.ForeignKey(blank=True, help_text="Empty for alerts opened by real-time scoring.", null=True,
                                    on_delete=django.db.models.deletion.PROTECT, related_name="alerts",
                                    to="monitoring.run", verbose_name="run"),
        ),
    ]
