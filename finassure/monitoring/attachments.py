"""Case attachments (evidence: statements, ID scans, correspondence): checked by content, sealed at rest, audited.

- Types: PDF, JPEG and PNG, recognised from their bytes; the name's extension must agree with the content (a
  script or HTML page renamed `.pdf` is refused); a PDF with active content (JavaScript, launch actions,
  embedded files, XFA) is refused; an image must decode (Pillow, decompression-bomb guard on).
- Limits: `FINASSURE_MONITORING_ATTACHMENT_MAX_BYTES` per file (10 MiB by default, and never more than the
  request limit) and `FINASSURE_MONITORING_ATTACHMENT_MAX_FILES` per case (20 by default).
- Storage: AES-GCM with the active field-encryption key under MEDIA_ROOT/monitoring/cases/YYYY/MM/<random>.bin;
  the random name is bound into the ciphertext. MEDIA is never served directly: the download view checks the
  caller's scope on the case and writes an audit record.

The checks and the sealed storage are the platform's (finassure.platform.uploads), shared with the complaint
attachments; this module holds the case's types and limits.
"""

from __future__ import annotations

from django.conf import settings

from finassure.platform import uploads
from finassure.platform.uploads import EXTENSIONS, JPEG, PDF, PNG, Checked, Rejected, sniff

__all__ = ["ACCEPT", "EXTENSIONS", "JPEG", "PDF", "PNG", "Checked", "Rejected", "check", "delete", "max_bytes",
           "max_files", "new_storage_name", "read", "sniff", "write"]

ALLOWED = (PDF, JPEG, PNG)
ACCEPT = uploads.accept_attribute(ALLOWED)
STORE = uploads.SealedStore(prefix="monitoring/cases", magic=b"FMA1", purpose=b"finassure.monitoring.case_attachment")


def max_bytes() -> int:
    return int(getattr(settings, "FINASSURE_MONITORING_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


def max_files() -> int:
    return int(getattr(settings, "FINASSURE_MONITORING_ATTACHMENT_MAX_FILES", 20))


def check(name: str, data: bytes) -> Checked:
    """Check one file completely; raise `Rejected` with the reason."""
    return uploads.check_file(name, data, allowed=ALLOWED, max_bytes=max_bytes())


def new_storage_name() -> str:
    return STORE.new_name()


def write(storage_name: str, data: bytes) -> str:
    """Seal with the active key and write; returns the key id. A name that exists already is refused."""
    return STORE.write(storage_name, data)


def read(storage_name: str) -> bytes:
    return STORE.read(storage_name)


def delete(storage_name: str) -> None:
    STORE.delete(storage_name)
