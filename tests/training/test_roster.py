"""The staff roster and its HR import: row-level errors, reconciling counts, re-import syncs, leavers kept."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from finassure.accounts.roles import Role
from finassure.platform.errors import PermissionDenied, ValidationFailed
from finassure.platform.models import AuditEvent
from finassure.training import roster, services
from finassure.training.models import Assignment, Employee, RosterImport
from tests.training.factories import assign, make_course, make_employee

HEADER = "employee_no,name,org_unit,position,hire_date,status,username\n"


def _csv(org: Any, *rows: str) -> bytes:
    text = HEADER + "".join(r.format(bj=org.beijing.code, hd=org.haidian.code, sh=org.shanghai.code) + "\n"
                            for r in rows)
    return text.encode()


@pytest.fixture
def trainer(make_user: Any) -> Any:
    return make_user(Role.TRAINER, unit="beijing")


def test_an_import_creates_employees_and_reconciles_its_counts(org: Any, trainer: Any) -> None:
    content = _csv(org, "E1,张三,{bj},柜员,2021-05-01,在职,", "E2,李四,{hd},客户经理,2022/01/10,,",
                   "E3,王五,{hd},柜员,not-a-date,,")
    result = services.roster_import(actor=trainer, root=org.beijing, content=content, filename="hr.csv")
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (3, 2, 1)
    assert result.rows_read == result.rows_accepted + result.rows_rejected
    assert result.created == 2
    assert result.rejected == [{"line": 4, "field": "hire_date", "reason": result.rejected[0]["reason"],
                                "row": ["E3", "王五", org.haidian.code, "柜员", "not-a-date", "", ""]}]
    assert "not-a-date" in result.rejected[0]["reason"]
    e2 = Employee.objects.get(employee_no="E2")
    assert (e2.org_unit, e2.position, e2.hire_date) == (org.haidian, "客户经理", dt.date(2022, 1, 10))
    assert AuditEvent.objects.filter(action="employee.import", object_id=str(result.pk)).exists()


def test_duplicate_employee_numbers_reject_every_row_that_carries_them(org: Any, trainer: Any) -> None:
    content = _csv(org, "E1,张三,{bj},柜员,2021-05-01,,", "E1,张三丰,{bj},柜员,2021-05-01,,",
                   "E2,李四,{bj},柜员,2021-05-01,,")
    result = services.roster_import(actor=trainer, root=org.beijing, content=content, filename="hr.csv")
    assert (result.rows_accepted, result.rows_rejected) == (1, 2)
    assert {r["line"] for r in result.rejected} == {2, 3}
    assert all("2, 3" in r["reason"] and r["field"] == "employee_no" for r in result.rejected)
    assert not Employee.objects.filter(employee_no="E1").exists()


def test_rows_for_units_outside_the_importers_units_are_rejected(org: Any, trainer: Any) -> None:
    content = _csv(org, "E1,张三,{sh},柜员,2021-05-01,,", "E2,李四,nowhere,柜员,2021-05-01,,")
    result = services.roster_import(actor=trainer, root=org.beijing, content=content, filename="hr.csv")
    assert result.rows_rejected == 2
    assert [r["field"] for r in result.rejected] == ["org_unit", "org_unit"]


def test_reimport_updates_changed_rows_and_sync_deactivates_leavers_without_deleting(org: Any, trainer: Any) -> None:
    first = _csv(org, "E1,张三,{bj},柜员,2021-05-01,,", "E2,李四,{hd},柜员,2021-05-01,,",
                 "E3,王五,{hd},柜员,2021-05-01,,")
    services.roster_import(actor=trainer, root=org.beijing, content=first, filename="hr.csv")
    leaver = Employee.objects.get(employee_no="E3")
    open_training = assign(leaver, course=make_course(org.beijing))
    second = _csv(org, "E1,张三,{bj},柜员,2021-05-01,,", "E2,李四,{bj},大堂经理,2021-05-01,,")
    result = services.roster_import(actor=trainer, root=org.beijing, content=second, filename="hr2.csv", sync=True)
    assert (result.unchanged, result.updated, result.created, result.deactivated) == (1, 1, 0, 1)
    assert Employee.objects.get(employee_no="E2").position == "大堂经理"
    leaver.refresh_from_db()
    assert leaver.status == Employee.Status.LEFT and leaver.left_on is not None
    open_training.refresh_from_db()
    assert open_training.status == Assignment.Status.CANCELLED


def test_sync_keeps_employees_whose_row_was_rejected(org: Any, trainer: Any) -> None:
    services.roster_import(actor=trainer, root=org.beijing, content=_csv(org, "E1,张三,{bj},柜员,2021-05-01,,"),
                           filename="hr.csv")
    broken = _csv(org, "E1,张三,{bj},柜员,someday,,")
    result = services.roster_import(actor=trainer, root=org.beijing, content=broken, filename="hr.csv", sync=True)
    assert (result.rows_rejected, result.deactivated) == (1, 0)
    assert Employee.objects.get(employee_no="E1").status == Employee.Status.ACTIVE


def test_sync_leaves_staff_outside_the_import_unit_alone(org: Any, make_user: Any) -> None:
    head_trainer = make_user(Role.TRAINER, unit="head")
    make_employee(org.shanghai, number="S1")
    services.roster_import(actor=head_trainer, root=org.beijing, content=_csv(org, "E1,张三,{bj},柜员,2021-05-01,,"),
                           filename="hr.csv", sync=True)
    assert Employee.objects.get(employee_no="S1").status == Employee.Status.ACTIVE


def test_an_excel_export_with_chinese_headers_imports(org: Any, trainer: Any, make_user: Any) -> None:
    user = make_user(Role.EMPLOYEE, unit="haidian", username="zhao")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["工号", "姓名", "机构代码", "岗位", "入职日期", "状态", "用户名"])
    sheet.append(["E9", "赵六", org.haidian.code, "柜员", dt.datetime(2023, 7, 1), "在职", "zhao"])
    sheet.append([1001, "钱七", org.haidian.code, "柜员", "2023-07-01", "离职", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = services.roster_import(actor=trainer, root=org.beijing, content=buffer.getvalue(), filename="hr.xlsx")
    assert (result.rows_accepted, result.rows_rejected) == (2, 0)
    assert Employee.objects.get(employee_no="E9").user == user
    left = Employee.objects.get(employee_no="1001")
    assert left.status == Employee.Status.LEFT and left.left_on is not None


def test_a_file_without_the_required_columns_is_refused_and_nothing_is_saved(org: Any, trainer: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.roster_import(actor=trainer, root=org.beijing, content=b"name,position\n", filename="hr.csv")
    assert "employee_no" in exc.value.message
    assert not RosterImport.objects.exists()
    with pytest.raises(ValidationFailed):
        services.roster_import(actor=trainer, root=org.beijing, content=b"\x00garbage", filename="hr.xlsx")


def test_importing_needs_the_manage_permission_at_the_unit(org: Any, make_user: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.roster_import(actor=make_user(Role.TRAINER, unit="shanghai"), root=org.beijing,
                               content=_csv(org), filename="hr.csv")
    with pytest.raises(PermissionDenied):
        services.roster_import(actor=make_user(Role.EXECUTIVE, unit="head"), root=org.beijing,
                               content=_csv(org), filename="hr.csv")


def test_a_gbk_encoded_csv_is_read(org: Any, trainer: Any) -> None:
    content = _csv(org, "E1,张三,{bj},柜员,2021-05-01,在职,").decode().encode("gbk")
    result = services.roster_import(actor=trainer, root=org.beijing, content=content, filename="hr.csv")
    assert result.rows_accepted == 1
    assert Employee.objects.get(employee_no="E1").name == "张三"


def test_the_rejected_rows_download_as_excel_with_line_field_and_reason(org: Any, trainer: Any,
                                                                        login_client: Any) -> None:
    result = services.roster_import(actor=trainer, root=org.beijing, content=_csv(org, ",张三,{bj},柜员,2021-05-01,,"),
                                    filename="hr.csv")
    response = login_client(trainer).get(f"/training/staff/import/{result.pk}/rejected.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("Line", "Field", "Reason", "employee_no")
    assert rows[1][:2] == (2, "employee_no")


def test_the_import_page_uploads_a_file_and_shows_the_counts(org: Any, trainer: Any, login_client: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login_client(trainer)
    upload = SimpleUploadedFile("hr.csv", _csv(org, "E1,张三,{bj},柜员,2021-05-01,,", "E1,张三,{bj},柜员,2021-05-01,,"))
    response = client.post("/training/staff/import/", {"org_unit": org.beijing.pk, "file": upload}, follow=True)
    assert response.status_code == 200
    assert "2 rows read = 0 accepted + 2 rejected." in response.content.decode()


def test_a_file_the_import_cannot_read_is_a_400_naming_the_reason(org: Any, trainer: Any, login_client: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login_client(trainer)
    upload = SimpleUploadedFile("hr.xlsx", bytes(range(256)))
    response = client.post("/training/staff/import/", {"org_unit": org.beijing.pk, "file": upload},
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400  # as every other form page with errors
    assert "无法读取该 Excel 工作簿。" in response.content.decode()


# --- parsing, property-based -------------------------------------------------------------------

cell = st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cell, min_size=0, max_size=8), max_size=30))
def test_every_nonblank_row_is_accepted_or_rejected_with_a_reason(rows: list[list[str]]) -> None:
    header = ["employee_no", "name", "org_unit", "position", "hire_date", "status", "username"]
    units = {"bj": object()}
    checked = roster.check_rows(header, iter((i + 2, r) for i, r in enumerate(rows)), unit_lookup=units.get,
                                user_lookup=lambda n: None, today=dt.date(2026, 1, 1))
    nonblank = [r for r in rows if any(c.strip() for c in r)]
    assert len(checked) == len(nonblank)
    for row in checked:
        assert row.ok or (row.field and row.reason)
    accepted = [r.values["employee_no"] for r in checked if r.ok]
    assert len(accepted) == len(set(accepted))


@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2100, 1, 1)),
       st.sampled_from(["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"]))
def test_hire_dates_parse_in_the_usual_hr_formats(day: dt.date, fmt: str) -> None:
    assert roster.parse_date(day.strftime(fmt)) == day
