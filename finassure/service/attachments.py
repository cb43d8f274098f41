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
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSIONS: dict[str, tuple[str, ...]] = {
    PDF: (".pdf",),
    JPEG: (".jpg", ".jpeg"),
    PNG: (".png",),
    DOCX: (".docx",),
}
ACCEPT = ",".join(ext for exts in EXTENSIONS.values() for ext in exts)
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_FILES = 5
DOCX_MAX_UNCOMPRESSED = 100 * 1024 * 1024
DOCX_MAX_ENTRIES = 2000
_MAGIC_VERSION = b"FAA1"
_NONCE_BYTES = 12
_MARKUP = re.compile(rb"<\s*(script|html|body|iframe|svg|object|embed)\b|<!doctype\s+html|javascript:", re.I)
_PDF_ACTIVE = re.compile(
    rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA|SubmitForm|ImportData)(?![A-Za-z])"
)
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def max_bytes() -> int:
    return int(getattr(settings, "FINASSURE_SERVICE_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_files() -> int:
    return int(getattr(settings, "FINASSURE_SERVICE_ATTACHMENT_MAX_FILES", DEFAULT_MAX_FILES))


class Rejected(ValueError):
    """One file is refused; the message is for the person who uploaded it."""


@dataclass(frozen=True)
class Checked:
    """A file that passed every check, ready to be stored."""

    name: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are (one of the accepted types), or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"PK\x03\x04"):
        return DOCX  # confirmed (or refused) by the package check
    return None


def _check_pdf(data: bytes) -> None:
    if b"%%EOF" not in data[-2048:]:
        raise Rejected(_("The PDF file is incomplete or damaged."))
    names = _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)
    if _PDF_ACTIVE.search(names):
        raise Rejected(
            _(
                "PDF files with scripts, actions or embedded files are not accepted. Print it to a "
                "plain PDF or send a scan."
            )
        )


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


def _check_docx(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            entries = package.infolist()
            names = {e.filename for e in entries}
            if len(entries) > DOCX_MAX_ENTRIES or sum(e.file_size for e in entries) > DOCX_MAX_UNCOMPRESSED:
                raise Rejected(_("The Word document is too large once unpacked."))
            if "[Content_Types].xml" not in names or "word/document.xml" not in names:
                raise Rejected(_("Only Word documents (.docx) are accepted among Office files."))
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                raise Rejected(_("Word documents with macros are not accepted."))
            types = package.read("[Content_Types].xml")
    except zipfile.BadZipFile:
        raise Rejected(_("The Word document is damaged.")) from None
    if b"macroEnabled" in types:
        raise Rejected(_("Word documents with macros are not accepted."))


def check_one(name: str, data: bytes) -> Checked:
    """Check one file completely; raise `Rejected` with the reason."""
    if not data:
        raise Rejected(_("The file is empty."))
    if len(data) > max_bytes():
        raise Rejected(_("The file is larger than %(mb)s MB.") % {"mb": max_bytes() // (1024 * 1024)})
    content_type = sniff(data)
    if content_type is None or _MARKUP.search(data[:4096]):
        raise Rejected(
            _("Only PDF, JPEG, PNG and Word (.docx) files are accepted; this file is none of them.")
        )
    extension = os.path.splitext(name or "")[1].lower()
    if extension not in EXTENSIONS[content_type]:
        raise Rejected(
            _("The file's name does not match its content (a %(kind)s file named %(ext)s).")
            % {"kind": EXTENSIONS[content_type][0].lstrip(".").upper(), "ext": extension or "—"}
        )
    if content_type == PDF:
        _check_pdf(data)
    elif content_type in (JPEG, PNG):
        _check_image(data, content_type)
    else:
        _check_docx(data)
    return Checked(os.path.basename(name)[:200], content_type, data)


def read_upload(upload: Any) -> tuple[str, bytes]:
    """The name and bytes of an uploaded file, reading at most one byte over the limit."""
    upload.seek(0)
    data = upload.read(max_bytes() + 1)
    return str(getattr(upload, "name", "") or ""), data


def check_all(uploads: Iterable[Any], *, already: int = 0) -> tuple[list[Checked], list[str]]:
    """Check every upload; returns the accepted files and one message per refused file (then store none)."""
    uploads = [u for u in uploads if u]
    errors: list[str] = []
    if already + len(uploads) > max_files():
        errors.append(_("At most %(n)s files can be attached to a complaint.") % {"n": max_files()})
        return [], errors
    checked: list[Checked] = []
    for position, upload in enumerate(uploads, start=1):
        name, data = read_upload(upload)
        try:
            checked.append(check_one(name, data))
        except Rejected as exc:
            errors.append(_("File %(n)s: %(reason)s") % {"n": position, "reason": str(exc)})
    return checked, errors


# --- sealed storage -------------------------------------------------------------------------------


def _aad(kid: str, storage_name: str) -> bytes:
    return b"finassure.service.attachment|" + kid.encode() + b"|" + storage_name.encode()


def new_storage_name(prefix: str = "service/attachments") -> str:
    return f"{prefix}/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.bin"


def seal(data: bytes, storage_name: str) -> tuple[bytes, str]:
    """AES-GCM with the active field-encryption key; returns the stored bytes and the key id."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from finassure.platform import crypto

    ring = crypto.keyring()
    nonce = os.urandom(_NONCE_BYTES)
    kid = ring.active_kid
    sealed = AESGCM(ring.active_key).encrypt(nonce, data, _aad(kid, storage_name))
    kid_bytes = kid.encode()
    return _MAGIC_VERSION + bytes([len(kid_bytes)]) + kid_bytes + nonce + sealed, kid


def unseal(blob: bytes, storage_name: str) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from finassure.platform import crypto

    if not blob.startswith(_MAGIC_VERSION):
        raise crypto.DecryptionError("not a sealed attachment", kid=None, context=storage_name)
    size = blob[len(_MAGIC_VERSION)]
    start = len(_MAGIC_VERSION) + 1
    kid = blob[start : start + size].decode()
    nonce = blob[start + size : start + size + _NONCE_BYTES]
    key = crypto.keyring().keys.get(kid)
    if key is None:
        raise crypto.UnknownKeyError("key id not in FIELD_ENCRYPTION_KEYS", kid=kid, context=storage_name)
    return AESGCM(key).decrypt(nonce, blob[start + size + _NONCE_BYTES :], _aad(kid, storage_name))


def write(storage_name: str, data: bytes) -> str:
    """Seal and write; returns the key id. The name is random, so an existing file means a bug: refuse."""
    if default_storage.exists(storage_name):
        raise FileExistsError(storage_name)
    blob, kid = seal(data, storage_name)
    saved = default_storage.save(storage_name, ContentFile(blob))
    if saved != storage_name:  # pragma: no cover - the storage renamed it: never keep a file we cannot find
        default_storage.delete(saved)
        raise FileExistsError(storage_name)
    return kid


def read(storage_name: str) -> bytes:
    with default_storage.open(storage_name, "rb") as handle:
        return unseal(handle.read(), storage_name)


def delete(storage_name: str) -> None:
    if storage_name and default_storage.exists(storage_name):
        default_storage.delete(storage_name)
