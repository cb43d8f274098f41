"""Bulk import of a complaint register: row-level errors, counts that reconcile, rejected rows downloadable."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from finassure.accounts.roles import Role
from finassure.platform.errors import ValidationFailed
from finassure.service import services
from finassure.service.models import Complaint, ComplaintImport
from tests.service.factories import make_complaint

pytestmark = pytest.mark.django_db

HEADER = ["external_id", "received_at", "org_unit", "product_line", "category", "channel", "subject", "text",
          "complainant_name", "complainant_phone", "group_size"]


@pytest.fixture
def officer(make_user: Any) -> Any:
    services.ensure_default_categories()
    return make_user(Role.CONSUMER_PROTECTION_OFFICER, unit="beijing")


def xlsx(rows: list[list[Any]], header: list[str] = HEADER, sheet: str = "投诉") -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def good(org: Any, external_id: str, **changes: Any) -> list[Any]:
    row = {"external_id": external_id, "received_at": "2026-03-02 09:30", "org_unit": org.haidian.code,
           "product_line": "信用卡", "category": "fees", "channel": "phone", "subject": "年费",
           "text": "未告知年费", "complainant_name": "孙八", "complainant_phone": "13800002222", "group_size": 1}
    row.update(changes)
    return [row[h] for h in HEADER]


def test_an_import_saves_good_rows_reports_bad_ones_and_the_counts_reconcile(org: Any, officer: Any) -> None:
    make_complaint(org.haidian, actor=officer, external_id="E-OLD")
    content = xlsx([
        good(org, "E1"),
        good(org, "E2", received_at="2026-02-30"),  # bad date
        good(org, "E3", category="no-such-category"),
        good(org, "E1"),  # duplicate in the file
        good(org, "E-OLD"),  # duplicate of an earlier import
        good(org, "E4", org_unit=org.shanghai.code),  # outside the officer's units
        good(org, "E5", received_at="2099-01-01"),  # future
        good(org, "", subject=""),  # required fields missing
        good(org, "E6", group_size=25, channel="监管转办"),
    ])
    report = services.complaint_import(actor=officer, file_name="register.xlsx", content=content)
    assert (report.total, report.imported, report.rejected) == (9, 2, 7)
    assert report.total == report.imported + report.rejected
    problems = {(line, field) for line, field, _ in report.errors}
    assert {(3, "received_at"), (4, "category"), (5, "external_id"), (6, "external_id"), (7, "org_unit"),
            (8, "received_at"), (9, "external_id"), (9, "subject")} <= problems
    imported = Complaint.objects.filter(external_id__in=["E1", "E6"])
    assert imported.count() == 2
    major = imported.get(external_id="E6")
    assert major.is_major and major.channel == "regulator" and major.product_line == "credit_card"


def test_the_rejected_rows_download_with_their_reasons_and_stay_encrypted(client: Any, org: Any, officer: Any,
                                                                          login_client: Any) -> None:
    from django.db import connection

    content = xlsx([good(org, "E1"), good(org, "E2", received_at="yesterday")])
    report = services.complaint_import(actor=officer, file_name="register.xlsx", content=content)
    with connection.cursor() as cursor:
        cursor.execute("SELECT rejected_rows FROM service_complaintimport WHERE id = %s", [report.pk])
        assert "13800002222" not in cursor.fetchone()[0]
    response = login_client(officer).get(f"/service/imports/{report.pk}/rejected.xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][-2:] == ("line", "errors") and len(rows) == 2
    assert rows[1][0] == "E2" and "received_at" in rows[1][-1] and rows[1][-2] == 3


def test_another_users_import_is_not_found(org: Any, officer: Any, make_user: Any, login_client: Any) -> None:
    report = services.complaint_import(actor=officer, file_name="r.csv", content=b"external_id,received_at,org_unit,subject,text\n")
    other = make_user(Role.CONSUMER_PROTECTION_OFFICER, unit="beijing")
    assert login_client(other).get(f"/service/imports/{report.pk}/rejected.xlsx").status_code == 404


def test_a_csv_in_gb18030_with_chinese_headers_imports(org: Any, officer: Any) -> None:
    text = f"投诉编号,受理时间,机构代码,投诉事由,投诉内容,联系电话\nC1,2026/3/5 14:00,{org.haidian.code},态度差,柜员态度恶劣,13900003333\n"
    report = services.complaint_import(actor=officer, file_name="登记.csv", content=text.encode("gb18030"))
    assert (report.total, report.imported) == (1, 1)
    assert Complaint.objects.get(external_id="C1").channel == "import"


def test_a_file_without_the_required_columns_or_of_the_wrong_type_is_refused_whole(org: Any, officer: Any) -> None:
    with pytest.raises(ValidationFailed) as err:
        services.complaint_import(actor=officer, file_name="x.xlsx", content=xlsx([["a"]], header=["名称"], sheet="汇总"))
    assert "external_id" in str(err.value.fields["file"])
    with pytest.raises(ValidationFailed):
        services.complaint_import(actor=officer, file_name="x.xlsx", content=b"not a workbook")
    with pytest.raises(ValidationFailed):
        services.complaint_import(actor=officer, file_name="x.pdf", content=b"%PDF")
    assert not ComplaintImport.objects.exists() and not Complaint.objects.exists()


def test_the_import_page_shows_the_report(org: Any, officer: Any, login_client: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("register.xlsx", xlsx([good(org, "E1"), good(org, "E2", group_size="many")]))
    response = login_client(officer).post("/service/imports/", {"file": upload}, follow=True)
    body = response.content.decode()
    assert response.status_code == 200 and "import-errors" in body and "group_size" in body


# --- the bulk path and the job ---------------------------------------------------------------------


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def test_batches_commit_progress_and_the_counts_reconcile_after_each(org: Any, officer: Any, media: Any,
                                                                     monkeypatch: Any) -> None:
    from finassure.platform.models import AuditEvent
    from finassure.service.services import imports

    monkeypatch.setattr(imports, "BATCH", 3)
    rows = [good(org, f"B{i}") for i in range(8)]
    rows[1][HEADER.index("received_at")] = "去年春天"
    rows[6][HEADER.index("category")] = "no-such-category"
    job = services.complaint_import_start(actor=officer, file_name="r.xlsx", content=xlsx(rows), enqueue=False)
    assert job.status == "queued"
    seen: list[tuple[int, int, int, int]] = []
    done = services.complaint_import_run(job_id=job.pk, progress=lambda j: seen.append(
        (j.processed, j.total, j.imported, j.rejected)))
    assert seen == [(3, 3, 2, 1), (6, 6, 5, 1), (8, 8, 6, 2)]
    assert (done.status, done.expected, done.total, done.imported, done.rejected) == ("done", 8, 8, 6, 2)
    assert sorted(line for line, _, _ in done.errors) == [3, 8]
    assert Complaint.objects.count() == 6
    batches = AuditEvent.objects.filter(action="complaint.import_batch", object_id=str(job.pk))
    assert sorted(b.detail["count"] for b in batches) == [1, 2, 3]  # 2 + 3 + 1 valid rows
    assert sorted(n for b in batches for n in b.detail["tracking_numbers"]) == sorted(
        Complaint.objects.values_list("tracking_number", flat=True))
    assert AuditEvent.objects.filter(action="complaint.import", object_id=str(job.pk)).count() == 1
    assert not AuditEvent.objects.filter(action="complaint.register").exists()  # one record per batch, not per row


def test_bulk_rows_are_encrypted_indexed_and_have_their_clock_and_event(org: Any, officer: Any, media: Any) -> None:
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from finassure.service.selectors import ComplaintFilter, complaint_list

    report = services.complaint_import(actor=officer, file_name="r.xlsx", content=xlsx([good(org, "C1")]))
    assert report.imported == 1
    complaint = Complaint.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SELECT complainant_phone, complainant_name FROM service_complaint")
        phone_raw, name_raw = cursor.fetchone()
    assert "13800002222" not in phone_raw and "孙八" not in name_raw
    assert complaint.complainant_phone == "13800002222"
    found = complaint_list(actor=officer, filters=ComplaintFilter(phone="138 0000 2222"))
    assert list(found) == [complaint]
    received = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 30))
    assert complaint.received_at == received and complaint.sla_due_at == received + dt.timedelta(hours=48)
    event = complaint.events.get()
    assert (event.kind, event.at, event.data["import"]) == ("registered", received, report.pk)
    assert complaint.sla.due_at == received + dt.timedelta(hours=48)


def test_a_database_conflict_in_a_batch_falls_back_to_row_by_row(org: Any, officer: Any, media: Any,
                                                                  monkeypatch: Any) -> None:
    from finassure.platform.models import AuditEvent
    from finassure.service.services import imports

    monkeypatch.setattr(imports, "_tracking_number", lambda at: "TSCLASH")  # every bulk row collides
    report = services.complaint_import(actor=officer, file_name="r.xlsx",
                                       content=xlsx([good(org, "D1"), good(org, "D2")]))
    assert (report.total, report.imported, report.rejected) == (2, 2, 0)
    assert len(set(Complaint.objects.values_list("tracking_number", flat=True))) == 2
    assert AuditEvent.objects.filter(action="complaint.register").count() == 2


def test_a_major_complaint_in_a_bulk_import_raises_the_alarm(org: Any, officer: Any, media: Any) -> None:
    from finassure.platform.models import AuditEvent

    services.complaint_import(actor=officer, file_name="r.xlsx", content=xlsx([good(org, "M1", group_size=25)]))
    complaint = Complaint.objects.get()
    assert complaint.is_major
    assert AuditEvent.objects.filter(action="complaint.major", object_id=str(complaint.pk)).count() == 1


def test_a_queued_job_keeps_the_upload_sealed_and_removes_it_when_done(org: Any, officer: Any, media: Any,
                                                                      login_client: Any) -> None:
    content = xlsx([good(org, "Q1")])
    job = services.complaint_import_start(actor=officer, file_name="r.xlsx", content=content, enqueue=False)
    stored = [p for p in media.rglob("*") if p.is_file()]
    assert len(stored) == 1 and stored[0].read_bytes() != content and "孙八".encode() not in stored[0].read_bytes()
    client = login_client(officer)
    fragment = client.get(f"/service/imports/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in fragment
    services.complaint_import_run(job_id=job.pk)
    assert [p for p in media.rglob("*") if p.is_file()] == []
    page = client.get(f"/service/imports/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="import-counts"' in page and "every 1s" not in page and "import-progress" not in page


def test_the_import_page_queues_a_large_file_for_the_worker(org: Any, officer: Any, media: Any,
                                                            login_client: Any, monkeypatch: Any,
                                                            django_capture_on_commit_callbacks: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from finassure.service.services import imports

    monkeypatch.setattr(imports, "INLINE_MAX_BYTES", 10)
    queued: list[int] = []
    monkeypatch.setattr(imports, "_enqueue", queued.append)
    upload = SimpleUploadedFile("register.xlsx", xlsx([good(org, "W1")]))
    client = login_client(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/service/imports/", {"file": upload})
    job = ComplaintImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/service/imports/{job.pk}/"
    assert job.status == "queued" and queued == [job.pk] and not Complaint.objects.exists()
