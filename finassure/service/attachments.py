"""Complaint attachments: what a file is (by its content, never its name), the limits, sealed storage.

- Types: PDF, JPEG, PNG and DOCX, recognised from their bytes. The name's extension must agree with the
  content, so a script or an HTML page renamed `.pdf` is refused. A PDF with active content (JavaScript,
  launch actions, embedded files, XFA forms) is refused; images must decode; a DOCX must be an Office
  Open XML word-processing package without macros and without a zip bomb.
- Limits: `FINASSURE_SERVICE_ATTACHMENT_MAX_BYTES` per file (10 MiB by default) and
  `FINASSURE_SERVICE_ATTACHMENT_MAX_FILES` per complaint (5 by default).
- Storage: AES-GCM encrypted under MEDIA_ROOT/service/attachments/YYYY/MM/<random>.bin with the active field
  encryption key (its id is kept with the record); the random name is bound into the ciphertext, so a file
  moved onto another record's name does not decrypt. MEDIA is never served directly.

The checks and the sealed storage are the platform's (finassure.platform.uploads), shared with the other
modules that take evidence files; this module holds the complaint's types, limits and messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from finassure.platform import uploads
from finassure.platform.uploads import DOCX, EXTENSIONS, JPEG, PDF, PNG, Checked, Rejected, sniff

__all__ = ["ACCEPT", "DOCX", "EXTENSIONS", "JPEG", "PDF", "PNG", "Checked", "Rejected", "check_all", "check_one",
           "delete", "max_bytes", "max_files", "new_storage_name", "read", "read_upload", "seal", "sniff",
           "unseal", "write"]

ALLOWED = (PDF, JPEG, PNG, DOCX)
ACCEPT = uploads.accept_attribute(ALLOWED)
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_FILES = 5
STORE = uploads.SealedStore(prefix="service/attachments", magic=b"FAA1", purpose=b"finassure.service.attachment")


def max_bytes() -> int:
    return int(getattr(settings, "FINASSURE_SERVICE_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_files() -> int:
    return int(getattr(settings, "FINASSURE_SERVICE_ATTACHMENT_MAX_FILES", DEFAULT_MAX_FILES))


def check_one(name: str, data: bytes) -> Checked:
    """Check one file completely; raise `Rejected` with the reason."""
    return uploads.check_file(name, data, allowed=ALLOWED, max_bytes=max_bytes())


def read_upload(upload: Any) -> tuple[str, bytes]:
    """The name and bytes of an uploaded file, reading at most one byte over the limit."""
    return uploads.read_upload(upload, max_bytes())


def check_all(uploads_: Iterable[Any], *, already: int = 0) -> tuple[list[Checked], list[str]]:
    """Check every upload; returns the accepted files and one message per refused file (then store none)."""
    files = [u for u in uploads_ if u]
    errors: list[str] = []
    if already + len(files) > max_files():
        errors.append(_("At most %(n)s files can be attached to a complaint.") % {"n": max_files()})
        return [], errors
    checked: list[Checked] = []
    for position, upload in enumerate(files, start=1):
        name, data = read_upload(upload)
        try:
            checked.append(check_one(name, data))
        except Rejected as exc:
            errors.append(_("File %(n)s: %(reason)s") % {"n": position, "reason": str(exc)})
    return checked, errors


# --- sealed storage (the complaint's store; import uploads use another prefix in the same format) -------------


def new_storage_name(prefix: str = STORE.prefix) -> str:
    return uploads.SealedStore(prefix, STORE.magic, STORE.purpose).new_name()


def seal(data: bytes, storage_name: str) -> tuple[bytes, str]:
    """AES-GCM with the active field-encryption key; returns the stored bytes and the key id."""
    return STORE.seal(data, storage_name)


def unseal(blob: bytes, storage_name: str) -> bytes:
    return STORE.unseal(blob, storage_name)


def write(storage_name: str, data: bytes) -> str:
    """Seal and write; returns the key id. The name is random, so an existing file means a bug: refuse."""
    return STORE.write(storage_name, data)


def read(storage_name: str) -> bytes:
    return STORE.read(storage_name)


def delete(storage_name: str) -> None:
    STORE.delete(storage_name)
