"""Key rotation: re-encrypt complainants' data under the active key and recompute the blind indexes."""

from __future__ import annotations

from django.db import transaction

from finassure.platform import audit, crypto
from finassure.service.models import (
    Complaint,
)
from finassure.service.selectors import ID_NUMBER_CONTEXT, PHONE_CONTEXT


def complaints_rotate_keys(*, batch: int = 500) -> int:
    """Re-encrypt complainants' data under the active key and recompute the blind indexes.

    Reading decrypts with whichever key a value was written with; saving encrypts with the active one.
    """
    from finassure.service.models import ComplaintImport

    fields = [
        "complainant_name",
        "complainant_id_number",
        "complainant_phone",
        "complainant_address",
        "account_number",
        "phone_index",
        "id_number_index",
    ]
    count = 0
    last = 0
    while True:
        with transaction.atomic():
            rows = list(Complaint.objects.filter(pk__gt=last).order_by("pk")[:batch])
            if not rows:
                break
            for c in rows:
                phone, id_number = c.complainant_phone or "", c.complainant_id_number or ""
                c.phone_index = crypto.blind_index(phone, context=PHONE_CONTEXT) if phone else ""
                c.id_number_index = (
                    crypto.blind_index(id_number, context=ID_NUMBER_CONTEXT) if id_number else ""
                )
            Complaint.objects.bulk_update(rows, fields)
            count += len(rows)
            last = rows[-1].pk
    for item in ComplaintImport.objects.exclude(rejected_rows=""):
        item.save(update_fields=["rejected_rows"])
        count += 1
    count += _reseal_attachments()
    audit.record(action="complaint.rotate_keys", actor=None, actor_repr="system", detail={"records": count})
    return count


def _reseal_attachments() -> int:
    """Re-encrypt attachment files written under an older key: a new sealed file under a new random name,
    the record switched in a transaction, then the old file removed."""
    from finassure.service import attachments
    from finassure.service.models import ComplaintAttachment

    active = crypto.keyring().active_kid
    count = 0
    for item in ComplaintAttachment.objects.exclude(key_id=active).order_by("pk").iterator(chunk_size=200):
        data = attachments.read(item.storage_name)
        old_name, new_name = item.storage_name, attachments.new_storage_name()
        kid = attachments.write(new_name, data)
        try:
            with transaction.atomic():
                ComplaintAttachment.objects.filter(pk=item.pk, storage_name=old_name).update(
                    storage_name=new_name, key_id=kid)
        except Exception:
            attachments.delete(new_name)
            raise
        attachments.delete(old_name)
        count += 1
    return count
