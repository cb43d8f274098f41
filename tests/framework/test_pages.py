"""Framework pages: the dashboard as home, drill-down, corrective-action steps, exports, the quarterly report."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finassure.accounts.roles import Role
from finassure.framework import services
from finassure.framework.models import CorrectiveAction, Snapshot
from tests.framework.factories import fixed_values, make_indicator, make_measure

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 8, 15)


def _history(org: Any, indicator: Any, values: list[float]) -> None:
    """Snapshots of Haidian for consecutive quarters ending 2026Q3."""
    day = DAY
    for value in reversed(values):
        with fixed_values({org.haidian.pk: value, org.head.pk: value}):
            services.snapshots_run(actor=None, day=day, units=[org.head, org.haidian], indicators=[indicator])
        day = day - dt.timedelta(days=92)


def test_the_home_page_is_the_dashboard_with_status_value_target_and_trend(org: Any, make_user: Any,
                                                                          login_client: Any) -> None:
    indicator = make_indicator(make_measure())
    _history(org, indicator, [92, 91, 85, 70])
    client = login_client(make_user(Role.EXECUTIVE, unit="beijing"))
    page = client.get(f"/?unit={org.haidian.pk}").content.decode()
    assert "Test indicator" in page and "status-red" in page and "70%" in page and "≥ 90%" in page
    assert f'data-trend="{indicator.pk}"' in page and 'id="trend-data"' in page
    assert "framework/charts.js" in page and "<script>" not in page  # no inline script (CSP)
    assert "Compute snapshots now" not in page  # read-only for executives


def test_the_dashboard_filters_by_unit_and_refuses_units_outside_scope(org: Any, make_user: Any,
                                                                       login_client: Any) -> None:
    indicator = make_indicator(make_measure())
    _history(org, indicator, [95])
    client = login_client(make_user(Role.EMPLOYEE, unit="beijing"))
    assert client.get(f"/?unit={org.haidian.pk}").status_code == 200
    assert client.get(f"/?unit={org.shanghai.pk}").status_code == 404


def test_the_dashboard_query_count_does_not_grow_with_indicators(org: Any, make_user: Any,
                                                                 login_client: Any) -> None:
    measure = make_measure()
    client = login_client(make_user(Role.QUALITY_MANAGER, unit="head"))
    indicators = [make_indicator(measure, key=f"k{i}") for i in range(3)]
    for indicator in indicators:
        _history(org, indicator, [90, 80])
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for i in range(3, 9):
        _history(org, make_indicator(measure, key=f"k{i}"), [90, 80, 70])
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(many) == len(few)


def test_my_responsibilities_lists_my_measures_actions_and_tasks(org: Any, make_user: Any,
                                                                  login_client: Any) -> None:
    me = make_user(Role.QUALITY_MANAGER, unit="beijing")
    measure = make_measure(owner=me)
    services.corrective_action_open(actor=None, source=None, title="整改：满意度偏低", owner=me,
                                    due=dt.date(2020, 1, 1), org_unit=org.haidian)
    services.work_task_create(actor=me, measure=measure, org_unit=org.haidian, title="修订服务规范", owner=me,
                              deadline=dt.date(2020, 1, 1))
    page = login_client(me).get("/").content.decode()
    section = page[page.index('id="my-responsibilities"'):]
    assert "Test measure" in section and "整改：满意度偏低" in section and "修订服务规范" in section
    assert section.count("1 overdue") == 2


def test_drill_down_lists_the_records_behind_a_value(org: Any, make_user: Any, login_client: Any) -> None:
    from finassure.accounts.models import User

    indicator = make_indicator(make_measure())
    person = make_user(Role.EMPLOYEE, unit="haidian", display_name="钱投诉")
    client = login_client(make_user(Role.EXECUTIVE, unit="beijing"))
    with fixed_values({org.haidian.pk: 50}, records=User.objects.filter(pk=person.pk)):
        page = client.get(f"/framework/indicators/{indicator.pk}/?unit={org.haidian.pk}&period=2026Q3")
    body = page.content.decode()
    assert page.status_code == 200 and "钱投诉" in body and "50%" in body
    unregistered = client.get(f"/framework/indicators/{indicator.pk}/?unit={org.haidian.pk}&period=2026Q3")
    assert "no data source" in unregistered.content.decode()
    assert client.get(f"/framework/indicators/{indicator.pk}/?unit={org.haidian.pk}&period=2026Q9").status_code == 400


def test_a_snapshot_link_leads_to_its_drill_down(org: Any, make_user: Any, login_client: Any) -> None:
    indicator = make_indicator(make_measure())
    _history(org, indicator, [80])
    snapshot = Snapshot.objects.get(org_unit=org.haidian)
    client = login_client(make_user(Role.EXECUTIVE, unit="beijing"))
    response = client.get(f"/framework/snapshots/{snapshot.pk}/")
    assert response["Location"].endswith(f"?unit={org.haidian.pk}&period=2026Q3")


def test_the_owner_cannot_verify_through_the_page(org: Any, make_user: Any, login_client: Any) -> None:
    owner = make_user(Role.QUALITY_MANAGER, unit="beijing")
    action = services.corrective_action_open(actor=None, source=None, title="整改", owner=owner,
                                             due=dt.date(2026, 12, 31), org_unit=org.haidian)
    client = login_client(owner)
    client.post(f"/framework/actions/{action.pk}/complete/", {"note": "已完成"})
    assert CorrectiveAction.objects.get(pk=action.pk).status == "done"
    page = client.get(f"/framework/actions/{action.pk}/").content.decode()
    assert "/verify/" not in page
    assert client.post(f"/framework/actions/{action.pk}/verify/", {"note": "自查", "effective": "yes"}
                       ).status_code == 403
    assert CorrectiveAction.objects.get(pk=action.pk).status == "done"


def test_the_action_list_filters_and_exports_to_excel(org: Any, make_user: Any, login_client: Any) -> None:
    from openpyxl import load_workbook

    owner = make_user(Role.EMPLOYEE, unit="haidian")
    for title, due in (("整改：逾期", dt.date(2020, 1, 1)), ("整改：未到期", dt.date(2099, 1, 1))):
        services.corrective_action_open(actor=None, source=None, title=title, owner=owner, due=due,
                                        org_unit=org.haidian)
    client = login_client(make_user(Role.QUALITY_MANAGER, unit="beijing"))
    page = client.get("/framework/actions/?overdue=on").content.decode()
    assert "整改：逾期" in page and "整改：未到期" not in page
    book = load_workbook(io.BytesIO(client.get("/framework/actions/export/").content))
    titles = [row[0] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert sorted(titles) == ["整改：未到期", "整改：逾期"]


def test_the_action_list_query_count_is_flat(org: Any, make_user: Any, login_client: Any) -> None:
    owner = make_user(Role.EMPLOYEE, unit="haidian")
    client = login_client(make_user(Role.QUALITY_MANAGER, unit="beijing"))

    def add(n: int) -> None:
        for i in range(n):
            services.corrective_action_open(actor=None, source=owner, title=f"整改{i}", owner=owner,
                                            due=dt.date(2026, 12, 31), org_unit=org.haidian)

    add(2)
    with CaptureQueriesContext(connection) as few:
        client.get("/framework/actions/")
    add(10)
    with CaptureQueriesContext(connection) as many:
        client.get("/framework/actions/")
    assert len(many) == len(few)


def test_raising_an_action_by_hand_refuses_bad_input(org: Any, make_user: Any, login_client: Any) -> None:
    manager = make_user(Role.QUALITY_MANAGER, unit="beijing")
    client = login_client(manager)
    response = client.post("/framework/actions/new/", {"title": "", "org_unit": org.haidian.pk,
                                                        "owner": manager.pk, "due": "2026-12-31"})
    assert response.status_code == 400 and not CorrectiveAction.objects.exists()
    response = client.post("/framework/actions/new/", {"title": "整改：流程缺失", "org_unit": org.haidian.pk,
                                                        "owner": manager.pk, "due": "2026-12-31"})
    assert response.status_code == 302 and CorrectiveAction.objects.get().raised_by == manager


def test_the_quarterly_report_renders_as_html_pdf_with_chinese_and_excel(org: Any, make_user: Any,
                                                                        login_client: Any) -> None:
    from openpyxl import load_workbook

    from tests.framework.pdftext import cid_text

    owner = make_user(Role.QUALITY_MANAGER, unit="head")
    indicator = make_indicator(make_measure(owner=owner))
    _history(org, indicator, [92, 70])
    client = login_client(owner)
    url = f"/framework/reports/quarterly/?period=2026Q3&unit={org.haidian.pk}"
    zh = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    html = client.get(url, **zh).content.decode()
    assert "测试指标" in html and "70%" in html and "92% → 70%" in html
    pdf = client.get(url + "&format=pdf", **zh)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    text = cid_text(pdf.content)
    assert "测试指标" in text and "海淀支行" in text
    assert b"STSong-Light" in pdf.content
    book = load_workbook(io.BytesIO(client.get(url + "&format=xlsx", **zh).content))
    assert [r[1] for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)] == ["测试指标"]
    assert client.get("/framework/reports/quarterly/?period=2026-07").status_code == 400


def test_the_dashboards_quarterly_report_link_opens_last_quarters_report(org: Any, make_user: Any,
                                                                         login_client: Any) -> None:
    from django.utils import timezone

    from finassure.framework.periods import Period

    client = login_client(make_user(Role.QUALITY_MANAGER, unit="head"))
    dashboard = client.get(f"/?unit={org.haidian.pk}").content.decode()
    link = f"/framework/reports/quarterly/?unit={org.haidian.pk}"
    assert f'href="{link}"' in dashboard
    response = client.get(link)  # the unit alone, no period
    assert response.status_code == 200
    last_quarter = Period.containing(timezone.localdate(), "quarter").previous().label()
    assert response.context["form"]["period"].value() == last_quarter


def test_running_snapshots_on_demand_from_the_dashboard(org: Any, make_user: Any, login_client: Any) -> None:
    make_indicator(make_measure(), computation="nobody.registered_this")
    client = login_client(make_user(Role.RISK_MANAGER, unit="beijing"))
    response = client.post("/framework/snapshots/run/", {"unit": org.haidian.pk})
    assert response.status_code == 302
    assert list(Snapshot.objects.values_list("org_unit_id", "status")) == [(org.haidian.pk, "no_source")]


def test_a_large_on_demand_run_goes_to_the_worker(org: Any, make_user: Any, login_client: Any,
                                                  monkeypatch: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    from finassure.framework.views import home as views

    make_indicator(make_measure(), computation="nobody.registered_this")
    monkeypatch.setattr(views, "INLINE_RUN_UNITS", 1)
    client = login_client(make_user(Role.RISK_MANAGER, unit="beijing"))
    assert client.post("/framework/snapshots/run/", {"unit": org.beijing.pk}).status_code == 302
    assert not Snapshot.objects.exists()
    assert DBTaskResult.objects.filter(task_path__endswith="run_snapshots_for").count() == 1
