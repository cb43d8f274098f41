"""Every register round-trips through Excel (export, edit, import gives the edited register: processes, policies,
positions, risks, controls, products); row errors name line, column and reason and store nothing; a renamed,
unknown or shuffled header is refused with the expected layout."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from finassure.accounts.roles import Role
from finassure.governance import services
from finassure.governance.models import Control, Policy, Position, Product, Risk
from finassure.platform.errors import ValidationFailed
from tests.governance import factories as f

pytestmark = pytest.mark.django_db


def _rows(content: bytes) -> list[list[Any]]:
    return [list(r) for r in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]


def _workbook(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _round_trip(client: Any, list_url: str, register: str, edit: Any) -> tuple[list[Any], list[list[Any]]]:
    """Export, let `edit` change the body rows, import, export again: (header, rows after)."""
    rows = _rows(client.get(f"{list_url}?format=xlsx").content)
    header, body = rows[0], rows[1:]
    edited = edit(body)
    response = client.post(f"/governance/registers/{register}/import/",
                           {"file": SimpleUploadedFile(f"{register}.xlsx", _workbook([header, *edited]))})
    assert response.status_code == 200, response.content.decode()[:1500]
    after = _rows(client.get(f"{list_url}?format=xlsx").content)
    assert after[0] == header
    return header, after[1:]


def _norm(rows: list[list[Any]]) -> list[tuple[Any, ...]]:
    """Cells as the sheet gives them back: empty text and None are the same blank."""
    return sorted(tuple("" if c is None else c for c in row) for row in rows)


def test_the_policy_register_round_trips(org: Any, login_client: Any, author: Any) -> None:
    process = f.make_process(org.beijing, code="counter")
    position = f.make_position(org.haidian, code="teller")
    in_force = f.make_policy(org.beijing, processes=[process])
    draft = f.make_policy(org.haidian, status="draft")

    def edit(body: list[list[Any]]) -> list[list[Any]]:
        for row in body:
            if row[0] == in_force.code:
                row[1], row[2], row[5] = "柜面业务管理办法（2026年修订）", "procedure", f"{org.haidian.code}/teller"
                row[6] = dt.datetime(2027, 6, 30)
            if row[0] == draft.code:
                row[7] = "第一条 草稿已修改。"
        return [*body, ["BJ-NEW-01", "银行卡业务管理办法", "rules", org.beijing.code, "banking/counter", "",
                        dt.datetime(2027, 1, 31), "第一条 新制度。"]]

    edited: list[list[Any]] = []
    header, after = _round_trip(login_client(author), "/governance/policies/", "policies",
                                lambda body: edited.extend(edit(body)) or edited)
    assert _norm(after) == _norm(edited)
    in_force.refresh_from_db()
    assert (in_force.title, in_force.kind, in_force.review_due) == ("柜面业务管理办法（2026年修订）", "procedure",
                                                                    dt.date(2027, 6, 30))
    assert list(in_force.positions.all()) == [position]
    assert draft.versions.get().body == "第一条 草稿已修改。"
    created = Policy.objects.get(code="BJ-NEW-01")
    assert created.versions.get().status == "draft" and created.versions.get().author == author


def test_the_text_of_a_policy_in_force_does_not_change_by_import(org: Any, author: Any) -> None:
    policy = f.make_policy(org.beijing)
    header = ["Document number", "Title", "Type code", "Owner unit code", "Processes", "Positions", "Next review",
              "Text of the latest version"]
    content = _workbook([header, [policy.code, policy.title, "rules", org.beijing.code, "", "", None, "第一条 改了"]])
    with pytest.raises(ValidationFailed) as exc:
        services.policy_import(actor=author, content=content)
    assert exc.value.extra["rows"] == [{"line": 2, "field": "Text of the latest version", "reason": (
        "the text of a version in review or in force changes through a new version, not by import")}]


def test_the_position_register_round_trips(org: Any, login_client: Any, author: Any, make_user: Any) -> None:
    teller = make_user(Role.EMPLOYEE, unit="haidian", username="wu.teller")
    supervisor = make_user(Role.EMPLOYEE, unit="haidian", username="li.supervisor")
    position = f.make_position(org.haidian, holders=[teller], code="teller")

    def edit(body: list[list[Any]]) -> list[list[Any]]:
        for row in body:
            if row[1] == "teller":
                row[3], row[5] = "现金收付；日终轧账；重要空白凭证保管。", "li.supervisor, wu.teller"
        return [*body, [org.beijing.code, "supervisor", "柜面主管", "复核授权", "柜面系统授权权限", "li.supervisor"]]

    edited: list[list[Any]] = []
    _header, after = _round_trip(login_client(author), "/governance/positions/", "positions",
                                 lambda body: edited.extend(edit(body)) or edited)
    assert _norm(after) == _norm(edited)
    assert set(position.holders.all()) == {teller, supervisor}
    assert Position.objects.get(code="supervisor").org_unit == org.beijing


def test_the_risk_register_round_trips(org: Any, login_client: Any, approver: Any) -> None:
    risk = f.make_risk(org.haidian, owner=approver)
    control = f.make_control(org.beijing)
    policy = f.make_policy(org.beijing)

    def edit(body: list[list[Any]]) -> list[list[Any]]:
        for row in body:
            if row[0] == risk.pk:
                row[2], row[7], row[11], row[12] = "柜面现金差错风险", 1, f"{org.beijing.code}/{control.code}", policy.code
        return [*body, [None, org.beijing.code, "理财销售误导风险", "consumer", "销售人员夸大收益", 4, 4, 3, 3, "mitigate",
                        approver.username, "", "", dt.datetime(2027, 3, 31)]]

    edited: list[list[Any]] = []
    _header, after = _round_trip(login_client(approver), "/governance/risks/", "risks",
                                 lambda body: edited.extend(edit(body)) or edited)
    new = Risk.objects.get(title="理财销售误导风险")
    edited[-1][0] = new.pk  # the new row got its ID
    assert _norm(after) == _norm(edited)
    risk.refresh_from_db()
    assert (risk.title, risk.residual_likelihood) == ("柜面现金差错风险", 1)
    assert list(risk.controls.all()) == [control] and list(risk.policies.all()) == [policy]


def test_the_control_register_round_trips(org: Any, login_client: Any, approver: Any, make_user: Any) -> None:
    owner = make_user(Role.EMPLOYEE, unit="beijing", username="zhao.owner")
    control = f.make_control(org.beijing, owner=owner)
    f.make_process(org.beijing, code="counter")

    def edit(body: list[list[Any]]) -> list[list[Any]]:
        for row in body:
            if row[1] == control.code:
                row[2], row[5], row[6] = "大额现金双人复核", "continuous", "banking/counter"
        return [*body, [org.haidian.code, "vault-check", "金库查库", "每月查库一次", "zhao.owner", "monthly", ""]]

    edited: list[list[Any]] = []
    _header, after = _round_trip(login_client(approver), "/governance/controls/", "controls",
                                 lambda body: edited.extend(edit(body)) or edited)
    assert _norm(after) == _norm(edited)
    control.refresh_from_db()
    assert (control.name, control.frequency, control.processes.get().code) == ("大额现金双人复核", "continuous",
                                                                               "counter")
    assert Control.objects.get(code="vault-check").owner == owner


def test_the_product_register_round_trips(org: Any, login_client: Any, author: Any) -> None:
    product = f.make_product(org.haidian, proposer=author)
    launched = f.make_product(org.beijing, status="launched")
    risk = f.make_risk(org.beijing)
    f.make_process(org.beijing, code="cards")

    def edit(body: list[list[Any]]) -> list[list[Any]]:
        for row in body:
            if row[1] == product.code:
                row[2], row[4], row[8] = "稳健理财二号", "fund_sales", str(risk.pk)
        return [*body, [org.beijing.code, "card-travel", "旅行联名卡", "new", "credit_card", "", "banking/cards", "", ""]]

    edited: list[list[Any]] = []
    _header, after = _round_trip(login_client(author), "/governance/products/", "products",
                                 lambda body: edited.extend(edit(body)) or edited)
    assert _norm(after) == _norm(edited)
    product.refresh_from_db()
    assert (product.name, product.product_line, list(product.risks.all())) == ("稳健理财二号", "fund_sales", [risk])
    assert Product.objects.get(code="card-travel").proposer == author
    assert launched.status == "launched"  # unchanged rows of a launched product import as unchanged


def test_row_errors_name_line_column_and_reason_and_store_nothing(org: Any, login_client: Any,
                                                                   approver: Any) -> None:
    header = ["ID", "Org unit code", "Title", "Category code", "Description", "Inherent likelihood",
              "Inherent impact", "Residual likelihood", "Residual impact", "Treatment code", "Risk owner", "Controls",
              "Policies", "Next review"]
    good = [None, org.beijing.code, "好的风险", "operational", "", 3, 3, 2, 2, "mitigate", approver.username, "", "",
            None]
    bad = [None, org.beijing.code, "", "weather", "", 3, "high", 4, 2, "mitigate", "nobody", "x/y", "", "soon"]
    client = login_client(approver)
    response = client.post("/governance/registers/risks/import/",
                           {"file": SimpleUploadedFile("r.xlsx", _workbook([header, good, bad]))})
    body = response.content.decode()
    assert response.status_code == 400
    for column, reason in [("Title", "this column must not be empty"), ("Category code", "“weather” is not one of"),
                           ("Inherent impact", "“high” is not a whole number"),
                           ("Risk owner", "unknown member of staff “nobody”"), ("Controls", "unknown “x/y”"),
                           ("Next review", "“soon” is not a date")]:
        assert f"<td>{column}</td><td>{reason}" in body, column
    assert "row 3" in body and not Risk.objects.exists()
    # a service's refusal is a row error too (residual above inherent)
    over = [*good[:7], 5, 2, *good[9:]]
    with pytest.raises(ValidationFailed) as exc:
        services.risk_import(actor=approver, content=_workbook([header, good, over]))
    assert [(e["line"], e["field"]) for e in exc.value.extra["rows"]] == [(3, "residual_likelihood")]
    assert not Risk.objects.exists()


@pytest.mark.parametrize(("header", "problem"), [
    (["Org unit code", "Code", "Name", "Duties", "Permissions", "Holders"], "column 5 “Permissions” is not a column"),
    (["Code", "Org unit code", "Name", "Duties", "Permissions needed", "Holders"], "in another order"),
    (["Org unit code", "Code", "Name", "Duties", "Permissions needed"], "the file has 5 columns, the register 6"),
])
def test_a_renamed_shuffled_or_short_header_is_refused_with_the_layout(org: Any, author: Any, header: list[str],
                                                                        problem: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.position_import(actor=author, content=_workbook([header, [org.beijing.code, "x", "岗位", "", "", ""]]))
    assert problem in exc.value.message
    assert "Org unit code, Code, Name, Duties, Permissions needed, Holders" in exc.value.message
    assert not Position.objects.exists()


def test_importing_a_register_needs_its_permission(org: Any, author: Any, login_client: Any) -> None:
    response = login_client(author).post("/governance/registers/risks/import/", {})
    assert response.status_code == 403  # a quality manager manages policies, not the risk register
