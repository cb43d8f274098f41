"""Complaint attachments: type by content, limits, nothing stored half, sealed storage, scoped audited download."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from finassure.accounts.roles import Role
from finassure.platform.errors import ValidationFailed
from finassure.platform.models import AuditEvent
from finassure.service import attachments, services
from finassure.service.models import Complaint, ComplaintAttachment
from tests.service.factories import make_complaint

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 200, 10)).save(out, format="JPEG")
    return out.getvalue()


def docx_bytes(*, macro: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        package.writestr("word/document.xml", "<w:document/>")
        if macro:
            package.writestr("word/vbaProject.bin", b"\x00" * 10)
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)  # the browser's claim, never trusted


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> Path:
    cache.clear()
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture(autouse=True)
def _english(client: Any) -> Any:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # pages answer in English (the catalogue has zh-hans)
    with translation.override("en"):
        yield


@pytest.fixture
def agent(make_user: Any) -> Any:
    return make_user(Role.SERVICE_AGENT, unit="beijing")


@pytest.fixture
def officer(make_user: Any) -> Any:
    return make_user(Role.CONSUMER_PROTECTION_OFFICER, unit="beijing")


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- recognising files by content ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("说明.pdf", PDF_BYTES, attachments.PDF),
        ("photo.JPG", jpeg_bytes(), attachments.JPEG),
        ("scan.png", png_bytes(), attachments.PNG),
        ("letter.docx", docx_bytes(), attachments.DOCX),
    ],
)
def test_the_four_accepted_types_are_recognised_by_content(name: str, data: bytes, kind: str) -> None:
    assert attachments.check_one(name, data).content_type == kind


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("invoice.pdf", b"<html><body><script>alert(document.cookie)</script></body></html>", "none of them"),
        ("invoice.pdf", b"<script>fetch('/api')</script>%PDF-1.4\n%%EOF", "none of them"),
        ("invoice.pdf", b"%PDF-1.4\n<script>alert(1)</script>\n%%EOF", "none of them"),
        (
            "invoice.pdf",
            b"%PDF-1.7\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\n%%EOF",
            "scripts",
        ),
        ("invoice.pdf", b"%PDF-1.7\n1 0 obj << /OpenAction << /S /J#61vaScript >> >>\n%%EOF", "scripts"),
        ("invoice.pdf", b"%PDF-1.7\n1 0 obj << >> endobj\n", "incomplete"),
        ("photo.pdf", png_bytes(), "does not match"),
        ("invoice.png", PDF_BYTES, "does not match"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"not an image at all", "cannot be read"),
        ("run.exe", b"MZ\x90\x00\x03" + b"\x00" * 100, "none of them"),
        ("macro.docx", docx_bytes(macro=True), "macros"),
        ("archive.docx", b"PK\x03\x04" + b"\x00" * 40, "damaged"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_disguised_damaged_or_active_files_are_refused(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(attachments.Rejected) as caught:
        attachments.check_one(name, data)
    assert reason in str(caught.value)


def test_a_file_over_the_size_limit_is_refused(settings: Any) -> None:
    settings.FINASSURE_SERVICE_ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(attachments.Rejected, match="larger than"):
        attachments.check_one("big.pdf", PDF_BYTES + b" " * 100)


# --- storing: all or nothing, sealed --------------------------------------------------------------


def test_files_are_stored_encrypted_under_a_random_name_and_come_back_intact(
    org: Any, agent: Any, _media: Path
) -> None:
    complaint = make_complaint(
        org.haidian, actor=agent, attachments=[upload("王小明身份证.png", png_bytes())]
    )
    item = complaint.attachments.get()
    assert item.content_type == attachments.PNG and item.size == len(png_bytes())
    files = stored_files(_media)
    assert len(files) == 1 and files[0].name.endswith(".bin") and "王小明" not in str(files[0])
    raw = files[0].read_bytes()
    assert b"PNG" not in raw and raw != png_bytes()  # encrypted at rest
    assert attachments.read(item.storage_name) == png_bytes()
    assert item.original_name == "王小明身份证.png"  # encrypted column, decrypted on read


def test_one_refused_file_stores_no_complaint_and_no_file(org: Any, agent: Any, _media: Path) -> None:
    before = Complaint.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        make_complaint(
            org.haidian,
            actor=agent,
            attachments=[
                upload("ok.pdf", PDF_BYTES),
                upload("fake.pdf", b"<html><script>alert(1)</script></html>"),
            ],
        )
    assert "File 2:" in caught.value.fields["attachments"][0]
    assert Complaint.objects.count() == before
    assert ComplaintAttachment.objects.count() == 0 and stored_files(_media) == []


def test_too_many_files_are_refused_together(org: Any, agent: Any, settings: Any) -> None:
    settings.FINASSURE_SERVICE_ATTACHMENT_MAX_FILES = 2
    complaint = make_complaint(org.haidian, actor=agent, attachments=[upload("a.pdf", PDF_BYTES)])
    with pytest.raises(ValidationFailed) as caught:
        services.attachment_add(
            actor=agent, complaint=complaint, uploads=[upload("b.pdf", PDF_BYTES), upload("c.pdf", PDF_BYTES)]
        )
    assert "At most 2 files" in caught.value.fields["attachments"][0]
    assert complaint.attachments.count() == 1


def test_a_failure_while_writing_removes_the_files_already_written(
    org: Any, agent: Any, _media: Path, monkeypatch: Any
) -> None:
    complaint = make_complaint(org.haidian, actor=agent)
    real_write, calls = attachments.write, []

    def flaky(name: str, data: bytes) -> str:
        calls.append(name)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_write(name, data)

    monkeypatch.setattr(attachments, "write", flaky)
    with pytest.raises(OSError, match="disk full"):
        services.attachment_add(
            actor=agent,
            complaint=complaint,
            uploads=[upload("a.pdf", PDF_BYTES), upload("b.png", png_bytes())],
        )
    assert stored_files(_media) == [] and complaint.attachments.count() == 0


def test_the_orphan_sweep_removes_files_no_record_references(org: Any, agent: Any, _media: Path) -> None:
    complaint = make_complaint(org.haidian, actor=agent, attachments=[upload("a.pdf", PDF_BYTES)])
    orphan = attachments.new_storage_name()
    attachments.write(orphan, b"left behind by a rolled-back transaction")
    assert services.attachments_sweep_orphans(older_than_seconds=0) == 1
    assert len(stored_files(_media)) == 1
    assert attachments.read(complaint.attachments.get().storage_name) == PDF_BYTES


# --- pages, portal and API ------------------------------------------------------------------------


def test_the_portal_refuses_a_script_disguised_as_pdf_and_creates_no_complaint(
    org: Any, client: Any, _media: Path
) -> None:
    data = {
        "kind": "complaint",
        "org_unit": org.haidian.pk,
        "product_line": "credit_card",
        "subject": "年费争议",
        "text": "未经同意收取信用卡年费",
        "complainant_name": "赵六",
        "complainant_phone": "13900001111",
        "attachments": [upload("凭证.pdf", b"<script>document.location='//evil'</script>")],
    }
    response = client.post("/portal/", data)
    assert response.status_code == 400
    assert "Only PDF, JPEG, PNG and Word" in response.content.decode()
    assert Complaint.objects.count() == 0 and stored_files(_media) == []


def test_the_portal_accepts_a_real_pdf_with_the_complaint(org: Any, client: Any) -> None:
    data = {
        "kind": "complaint",
        "org_unit": org.haidian.pk,
        "product_line": "credit_card",
        "subject": "年费争议",
        "text": "未经同意收取信用卡年费",
        "complainant_name": "赵六",
        "complainant_phone": "13900001111",
        "attachments": [upload("凭证.pdf", PDF_BYTES), upload("截图.jpg", jpeg_bytes(), "image/jpeg")],
    }
    response = client.post("/portal/", data)
    assert response.status_code == 200
    complaint = Complaint.objects.get()
    assert sorted(complaint.attachments.values_list("content_type", flat=True)) == [
        attachments.PDF,
        attachments.JPEG,
    ]
    assert set(complaint.attachments.values_list("channel", flat=True)) == {"portal"}


def test_the_staff_form_registers_with_attachments(org: Any, agent: Any, login_client: Any) -> None:
    services.ensure_default_categories()
    response = login_client(agent).post(
        "/service/complaints/new/",
        {
            "kind": "complaint",
            "org_unit": org.haidian.pk,
            "channel": "counter",
            "product_line": "loan",
            "subject": "贷款利率",
            "text": "利率与合同不符",
            "severity": "medium",
            "group_size": 1,
            "cause": "ordinary",
            "attachments": [upload("合同.docx", docx_bytes())],
        },
    )
    assert response.status_code == 302
    assert Complaint.objects.get().attachments.get().content_type == attachments.DOCX


def test_an_officer_downloads_through_the_scoped_view_and_it_is_audited(
    org: Any, agent: Any, officer: Any, login_client: Any
) -> None:
    complaint = make_complaint(org.haidian, actor=agent, attachments=[upload("a.pdf", PDF_BYTES)])
    item = complaint.attachments.get()
    response = login_client(officer).get(f"/service/attachments/{item.pk}/download/")
    assert response.status_code == 200 and response.content == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"] == f'attachment; filename="{complaint.tracking_number}-{item.pk}.pdf"'
    )
    assert (
        response["X-Content-Type-Options"] == "nosniff" and "sandbox" in response["Content-Security-Policy"]
    )
    assert (
        AuditEvent.objects.filter(action="attachment.download", actor=officer, object_id=str(item.pk)).count()
        == 1
    )


def test_an_agent_without_the_reveal_permission_cannot_download(
    org: Any, agent: Any, login_client: Any
) -> None:
    complaint = make_complaint(org.haidian, actor=agent, attachments=[upload("a.pdf", PDF_BYTES)])
    item = complaint.attachments.get()
    assert login_client(agent).get(f"/service/attachments/{item.pk}/download/").status_code == 403
    assert not AuditEvent.objects.filter(action="attachment.download").exists()


def test_an_officer_outside_the_unit_gets_404(
    org: Any, agent: Any, make_user: Any, login_client: Any
) -> None:
    complaint = make_complaint(org.haidian, actor=agent, attachments=[upload("a.pdf", PDF_BYTES)])
    outsider = make_user(Role.CONSUMER_PROTECTION_OFFICER, unit="shanghai")
    item = complaint.attachments.get()
    assert login_client(outsider).get(f"/service/attachments/{item.pk}/download/").status_code == 404


def test_media_is_not_served_directly(org: Any, agent: Any, officer: Any, login_client: Any) -> None:
    complaint = make_complaint(org.haidian, actor=agent, attachments=[upload("a.pdf", PDF_BYTES)])
    name = complaint.attachments.get().storage_name
    assert login_client(officer).get(f"/media/{name}").status_code == 404


def test_the_staff_attach_page_refuses_a_wrong_type_with_a_message(
    org: Any, agent: Any, login_client: Any
) -> None:
    complaint = make_complaint(org.haidian, actor=agent)
    response = login_client(agent).post(
        f"/service/complaints/{complaint.pk}/attachments/",
        {"attachments": [upload("x.png", PDF_BYTES, "image/png")]},
    )
    assert response.status_code == 400
    assert "does not match its content" in response.content.decode()
    assert complaint.attachments.count() == 0


def test_the_api_adds_lists_and_downloads(org: Any, agent: Any, officer: Any) -> None:
    from finassure.accounts import services as account_services

    complaint = make_complaint(org.haidian, actor=agent)
    agent_token = account_services.token_create(actor=agent, name="crm", read_only=False)[1]
    officer_token = account_services.token_create(actor=officer, name="crm")[1]
    from django.test import Client

    api = Client(HTTP_AUTHORIZATION=f"Bearer {agent_token}")
    created = api.post(
        f"/api/v1/service/complaints/{complaint.pk}/attachments",
        {"files": [upload("a.pdf", PDF_BYTES), upload("b.png", png_bytes(), "image/png")]},
    )
    assert created.status_code == 201, created.content
    assert [a["content_type"] for a in created.json()] == [attachments.PDF, attachments.PNG]
    refused = api.post(
        f"/api/v1/service/complaints/{complaint.pk}/attachments",
        {"files": [upload("c.pdf", b"<html></html>")]},
    )
    assert refused.status_code == 400 and complaint.attachments.count() == 2
    listed = api.get(f"/api/v1/service/complaints/{complaint.pk}/attachments").json()
    assert len(listed) == 2
    assert api.get(listed[0]["download"]).status_code == 403
    officer_api = Client(HTTP_AUTHORIZATION=f"Bearer {officer_token}")
    assert officer_api.get(listed[0]["download"]).content == PDF_BYTES


def test_key_rotation_re_seals_attachments_under_the_active_key(org: Any, agent: Any, settings: Any,
                                                               _media: Path) -> None:
    import base64

    complaint = make_complaint(org.haidian, actor=agent, attachments=[upload("a.pdf", PDF_BYTES)])
    before = complaint.attachments.get()
    settings.FIELD_ENCRYPTION_KEYS = f"{settings.FIELD_ENCRYPTION_KEYS},new9:{base64.b64encode(b'k' * 32).decode()}"
    settings.FIELD_ENCRYPTION_ACTIVE_KEY = "new9"
    services.complaints_rotate_keys()
    after = ComplaintAttachment.objects.get(pk=before.pk)
    assert after.key_id == "new9" and after.storage_name != before.storage_name
    assert attachments.read(after.storage_name) == PDF_BYTES
    assert len(stored_files(_media)) == 1  # the file under the old key is gone
