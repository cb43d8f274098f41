"""Complaint attachments: add (all or nothing), download (scoped like the reveal, audited), orphan sweep."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from finassure.accounts import selectors as access
from finassure.accounts.roles import Perm
from finassure.platform import audit
from finassure.platform.errors import Conflict, ValidationFailed
from finassure.service import attachments as files
from finassure.service import perms
from finassure.service.models import Channel, Complaint, ComplaintAttachment


def attachments_check(uploads: Iterable[Any], *, already: int = 0) -> list[files.Checked]:
    """Check every upload before anything is stored; one refused file refuses them all."""
    checked, errors = files.check_all(uploads, already=already)
    if errors:
        raise ValidationFailed(
            _("An attachment was refused; nothing was saved."), fields={"attachments": errors}
        )
    return checked


def attachments_store(
    *, complaint: Complaint, checked: Sequence[files.Checked], actor: Any, channel: str
) -> list[ComplaintAttachment]:
    """Write the checked files (sealed, random names) and their records, inside the caller's transaction.

    If anything fails here the files written so far are deleted; if the caller's transaction rolls back
    later, the unreferenced files are removed by `attachments_sweep_orphans`.
    """
    written: list[str] = []
    made: list[ComplaintAttachment] = []
    user = actor if getattr(actor, "is_authenticated", False) else None
    try:
        for item in checked:
            name = files.new_storage_name()
            kid = files.write(name, item.data)
            written.append(name)
            made.append(
                ComplaintAttachment.objects.create(
                    complaint=complaint,
                    org_unit=complaint.org_unit,
                    storage_name=name,
                    original_name=item.name,
                    content_type=item.content_type,
                    size=len(item.data),
                    sha256=item.sha256,
                    key_id=kid,
                    uploaded_by=user,
                    channel=channel,
                )
            )
    except Exception:
        for name in written:
            files.delete(name)
        raise
    for attachment in made:
        audit.record(
            action="attachment.add",
            actor=actor,
            obj=attachment,
            actor_repr="" if user else channel,
            detail={
                "complaint": complaint.tracking_number,
                "type": attachment.content_type,
                "size": attachment.size,
                "sha256": attachment.sha256,
            },
        )
    return made


@transaction.atomic
def attachment_add(
    *, actor: Any, complaint: Complaint, uploads: Iterable[Any], channel: str = Channel.COUNTER
) -> list[ComplaintAttachment]:
    """Staff or an API client attach files to an open complaint (the handling permission there)."""
    access.require(actor, perms.HANDLE, complaint.org_unit)
    if not complaint.is_open:
        raise Conflict(_("Files can only be attached to an open complaint."))
    uploads = [u for u in uploads if u]
    if not uploads:
        raise ValidationFailed(
            _("Choose at least one file."), fields={"attachments": [_("Choose at least one file.")]}
        )
    already = ComplaintAttachment.objects.select_for_update().filter(complaint=complaint).count()
    checked = attachments_check(uploads, already=already)
    return attachments_store(complaint=complaint, checked=checked, actor=actor, channel=channel)


def attachment_open(*, actor: Any, attachment: ComplaintAttachment) -> bytes:
    """The attachment's bytes for a role allowed to see personal data there; every download is audited."""
    access.require(actor, perms.VIEW, attachment.org_unit)
    access.require(actor, Perm.PII_UNMASK, attachment.org_unit)
    data = files.read(attachment.storage_name)
    import hashlib

    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        audit.record(action="attachment.integrity_failed", actor=actor, obj=attachment, outcome="failure")
        raise Conflict(_("The stored file does not match its checksum; it was not returned."))
    audit.record(
        action="attachment.download",
        actor=actor,
        obj=attachment,
        detail={"complaint": attachment.complaint.tracking_number, "size": attachment.size},
    )
    return data


def attachments_sweep_orphans(*, older_than_seconds: int = 3600) -> int:
    """Delete stored attachment and import-upload files that no record references (left by a rolled-back
    transaction), once they are older than `older_than_seconds` (a file being written is not yet referenced)."""
    import time

    from django.core.files.storage import default_storage

    from finassure.service.models import ComplaintImport

    known = set(ComplaintAttachment.objects.values_list("storage_name", flat=True))
    known |= set(ComplaintImport.objects.exclude(upload_storage="").values_list("upload_storage", flat=True))
    removed = 0

    def walk(path: str) -> Iterable[str]:
        if not default_storage.exists(path):
            return
        dirs, names = default_storage.listdir(path)
        for name in names:
            yield f"{path}/{name}"
        for sub in dirs:
            yield from walk(f"{path}/{sub}")

    cutoff = time.time() - older_than_seconds
    for name in [n for root in ("service/attachments", "service/imports") for n in walk(root)]:
        if name in known:
            continue
        if default_storage.get_modified_time(name).timestamp() > cutoff:
            continue
        default_storage.delete(name)
        removed += 1
    if removed:
        audit.record(action="attachment.sweep", actor=None, actor_repr="system", detail={"removed": removed})
    return removed
