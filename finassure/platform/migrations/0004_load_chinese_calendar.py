"""Load the official holiday schedules the chinesecalendar package knows (2004 up to its last year)."""

from django.db import migrations

NAMES_ZH = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "Mid-autumn Festival": "中秋节", "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def load(apps, schema_editor):
    import chinese_calendar

    CalendarDay = apps.get_model("platform", "CalendarDay")
    CalendarYear = apps.get_model("platform", "CalendarYear")
    days = [CalendarDay(day=d, is_working=False, name=NAMES_ZH.get(n, n)) for d, n in chinese_calendar.holidays.items()]
    days += [CalendarDay(day=d, is_working=True, name=NAMES_ZH.get(n, n)) for d, n in chinese_calendar.workdays.items()]
    CalendarDay.objects.bulk_create(days, ignore_conflicts=True)
    years = sorted({d.day.year for d in days})
    CalendarYear.objects.bulk_create([CalendarYear(year=y, source="chinesecalendar") for y in years],
                                     ignore_conflicts=True)


def unload(apps, schema_editor):
    apps.get_model("platform", "CalendarDay").objects.all().delete()
    apps.get_model("platform", "CalendarYear").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("platform", "0003_business_calendar")]
    operations = [migrations.RunPython(load, unload)]
