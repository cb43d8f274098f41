"""Case attachments: types by content, size and count limits, sealed storage, scoped and audited download."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from finassure.monitoring import attachments, triage
from finassure.monitoring.models import CaseAttachment
from finassure.platform.errors import Conflict, PermissionDenied, ValidationFailed
from finassure.platform.models import AuditEvent
from tests.monitoring.factories import make_case, tiny_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_pdf_is_attached_sealed_and_downloaded_by_someone_in_scope(org: Any, analyst: Any, make_user: Any,
                                                                     login_client: Any) -> None:
    case = make_case(org.haidian)
    data = tiny_pdf("银行流水")
    attachment = triage.case_attachment_add(actor=analyst, case=case, name="流水.pdf", data=data)
    assert (attachment.content_type, attachment.size) == ("application/pdf", len(data))
    with default_storage.open(attachment.storage_name, "rb") as fh:
        stored = fh.read()
    assert data not in stored and not stored.startswith(b"%PDF")  # sealed at rest
    response = login_client(analyst).get(f"/monitoring/cases/{case.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 200 and response.content == data
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    actions = list(AuditEvent.objects.filter(object_id=str(case.pk), action__startswith="case.attachment")
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["case.attachment_added", "case.attachment_downloaded"]


def test_someone_outside_the_cases_unit_gets_not_found(org: Any, analyst: Any, make_user: Any,
                                                       login_client: Any) -> None:
    from finassure.accounts.roles import Role

    case = make_case(org.haidian)
    attachment = triage.case_attachment_add(actor=analyst, case=case, name="a.pdf", data=tiny_pdf())
    outsider = make_user(Role.AML_ANALYST, unit="shanghai")
    assert login_client(outsider).get(f"/monitoring/cases/{case.pk}/attachments/{attachment.pk}/").status_code == 404
    other = make_case(org.haidian)  # the attachment id under another case's URL
    assert login_client(analyst).get(f"/monitoring/cases/{other.pk}/attachments/{attachment.pk}/").status_code == 404
    assert not AuditEvent.objects.filter(action="case.attachment_downloaded").exists()


@pytest.mark.parametrize(("name", "data", "message"), [
    ("page.pdf", b"<html><script>alert(1)</script></html>", "Only PDF, JPEG and PNG"),
    ("statement.png", tiny_pdf(), "does not match its content"),
    ("statement.pdf", tiny_pdf()[:200], "incomplete or damaged"),
    ("active.pdf", tiny_pdf().replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript >>"),
     "scripts, actions or embedded files"),
    ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "cannot be read"),
    ("empty.pdf", b"", "empty"),
])
def test_files_that_are_not_what_they_claim_are_refused(org: Any, analyst: Any, name: str, data: bytes,
                                                        message: str) -> None:
    case = make_case(org.haidian)
    with pytest.raises(ValidationFailed) as err:
        triage.case_attachment_add(actor=analyst, case=case, name=name, data=data)
    assert message in str(err.value.message)
    assert not CaseAttachment.objects.exists()


def test_the_size_and_count_limits_hold(org: Any, analyst: Any, settings: Any) -> None:
    case = make_case(org.haidian)
    settings.FINASSURE_MONITORING_ATTACHMENT_MAX_BYTES = 1000
    with pytest.raises(ValidationFailed, match="larger than"):
        triage.case_attachment_add(actor=analyst, case=case, name="big.pdf", data=tiny_pdf() + b" " * 2000)
    settings.FINASSURE_MONITORING_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    settings.FINASSURE_MONITORING_ATTACHMENT_MAX_FILES = 2
    for n in range(2):
        triage.case_attachment_add(actor=analyst, case=case, name=f"p{n}.png", data=_png())
    with pytest.raises(ValidationFailed, match="at most 2"):
        triage.case_attachment_add(actor=analyst, case=case, name="p3.png", data=_png())
    assert CaseAttachment.objects.count() == 2
    stored = list(_walk(settings.MEDIA_ROOT))
    assert len(stored) == 2  # the refused third file left nothing behind


def _walk(root: str) -> list[str]:
    import os

    return [os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files]


def test_a_closed_case_and_a_reader_take_no_attachments(org: Any, analyst: Any, make_user: Any) -> None:
    from finassure.accounts.roles import Role

    closed = make_case(org.haidian, status="closed", disposition="false_positive", disposition_reason="误报")
    with pytest.raises(Conflict):
        triage.case_attachment_add(actor=analyst, case=closed, name="a.pdf", data=tiny_pdf())
    with pytest.raises(PermissionDenied):
        triage.case_attachment_add(actor=make_user(Role.INTERNAL_AUDITOR), case=make_case(org.haidian),
                                   name="a.pdf", data=tiny_pdf())


def test_the_case_page_uploads_a_file_and_lists_it(org: Any, analyst: Any, login_client: Any) -> None:
    case = make_case(org.haidian)
    client = login_client(analyst)
    bad = client.post(f"/monitoring/cases/{case.pk}/attachments/",
                      {"file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf")})
    assert bad.status_code == 400 and "Only PDF, JPEG and PNG" in bad.content.decode()
    pdf = tiny_pdf()
    good = client.post(f"/monitoring/cases/{case.pk}/attachments/", {"file": SimpleUploadedFile("流水.pdf", pdf)})
    assert good.status_code == 302
    page = client.get(f"/monitoring/cases/{case.pk}/").content.decode()
    attachment = CaseAttachment.objects.get()
    assert "流水.pdf" in page and attachment.get_absolute_url() in page
    assert attachments.read(attachment.storage_name) == pdf
