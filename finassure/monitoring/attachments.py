"""Case attachments (evidence: statements, ID scans, correspondence): checked by content, sealed at rest, audited.

- Types: PDF, JPEG and PNG, recognised from their bytes; the name's extension must agree with the content (a
  script or HTML page renamed `.pdf` is refused); a PDF with active content (JavaScript, launch actions,
  embedded files, XFA) is refused; an image must decode (Pillow, decompression-bomb guard on).
- Limits: `FINASSURE_MONITORING_ATTACHMENT_MAX_BYTES` per file (10 MiB by default, and never more than the
  request limit) and `FINASSURE_MONITORING_ATTACHMENT_MAX_FILES` per case (20 by default).
- Storage: AES-GCM with the active field-encryption key under MEDIA_ROOT/monitoring/cases/YYYY/MM/<random>.bin;
  the random name is bound into the ciphertext. MEDIA is never served directly: the download view checks the
  caller's scope on the case and writes an audit record.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS: dict[str, tuple[str, ...]] = {PDF: (".pdf",), JPEG: (".jpg", ".jpeg"), PNG: (".png",)}
ACCEPT = ",".join(ext for exts in EXTENSIONS.values() for ext in exts)
_MAGIC = b"FMA1"
_NONCE = 12
_MARKUP = re.compile(rb"<\s*(script|html|body|iframe|svg|object|embed)\b|<!doctype\s+html|javascript:", re.I)
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA|SubmitForm|ImportData)(?![A-Za-z])")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def max_bytes() -> int:
    return int(getattr(settings, "FINASSURE_MONITORING_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


def max_files() -> int:
    return int(getattr(settings, "FINASSURE_MONITORING_ATTACHMENT_MAX_FILES", 20))


class Rejected(ValueError):
    """The file is refused; the message is for the person who uploaded it."""


@dataclass(frozen=True)
class Checked:
    name: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def sniff(data: bytes) -> str | None:
    """What the bytes really are (one of the accepted types), or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def check(name: str, data: bytes) -> Checked:
    """Check one file completely; raise `Rejected` with the reason."""
    if not data:
        raise Rejected(_("The file is empty."))
    if len(data) > max_bytes():
        raise Rejected(_("The file is larger than %(mb)s MB.") % {"mb": max(1, max_bytes() // (1024 * 1024))})
    kind = sniff(data)
    if kind is None or _MARKUP.search(data[:4096]):
        raise Rejected(_("Only PDF, JPEG and PNG files are accepted; this file is none of them."))
    extension = os.path.splitext(name or "")[1].lower()
    if extension not in EXTENSIONS[kind]:
        raise Rejected(_("The file's name does not match its content (a %(kind)s file named %(ext)s).")
                       % {"kind": EXTENSIONS[kind][0].lstrip(".").upper(), "ext": extension or "—"})
    if kind == PDF:
        if b"%%EOF" not in data[-2048:]:
            raise Rejected(_("The PDF file is incomplete or damaged."))
        if _PDF_ACTIVE.search(_PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)):
            raise Rejected(_("PDF files with scripts, actions or embedded files are not accepted."))
    else:
        _check_image(data, kind)
    return Checked(os.path.basename(name)[:200], kind, data)


def _check_image(data: bytes, expected: str) -> None:
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                fmt = image.format
                image.verify()
    except Exception:  # noqa: BLE001 - Pillow raises many types for damaged or hostile images
        raise Rejected(_("The image cannot be read: it is damaged or not really an image.")) from None
    if {"JPEG": JPEG, "PNG": PNG}.get(fmt or "") != expected:
        raise Rejected(_("The image cannot be read: it is damaged or not really an image."))


# --- sealed storage ----------------------------------------------------------------------------------------------


def _aad(kid: str, storage_name: str) -> bytes:
    return b"finassure.monitoring.case_attachment|" + kid.encode() + b"|" + storage_name.encode()


def new_storage_name() -> str:
    return f"monitoring/cases/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.bin"


def write(storage_name: str, data: bytes) -> str:
    """Seal with the active key and write; returns the key id. A name that exists already is refused."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from finassure.platform import crypto

    if default_storage.exists(storage_name):
        raise FileExistsError(storage_name)
    ring = crypto.keyring()
    nonce, kid = os.urandom(_NONCE), ring.active_kid
    blob = _MAGIC + bytes([len(kid.encode())]) + kid.encode() + nonce + AESGCM(ring.active_key).encrypt(
        nonce, data, _aad(kid, storage_name))
    saved = default_storage.save(storage_name, ContentFile(blob))
    if saved != storage_name:  # pragma: no cover - the storage renamed it
        default_storage.delete(saved)
        raise FileExistsError(storage_name)
    return kid


def read(storage_name: str) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from finassure.platform import crypto

    with default_storage.open(storage_name, "rb") as handle:
        blob = handle.read()
    if not blob.startswith(_MAGIC):
        raise crypto.DecryptionError("not a sealed attachment", kid=None, context=storage_name)
    size = blob[len(_MAGIC)]
    start = len(_MAGIC) + 1
    kid = blob[start:start + size].decode()
    key = crypto.keyring().keys.get(kid)
    if key is None:
        raise crypto.UnknownKeyError("key id not in FIELD_ENCRYPTION_KEYS", kid=kid, context=storage_name)
    nonce = blob[start + size:start + size + _NONCE]
    return AESGCM(key).decrypt(nonce, blob[start + size + _NONCE:], _aad(kid, storage_name))


def delete(storage_name: str) -> None:
    if storage_name and default_storage.exists(storage_name):
        default_storage.delete(storage_name)
