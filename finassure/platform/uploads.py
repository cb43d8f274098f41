"""Uploaded evidence files, for every module: what a file is (by its content, never its name), and sealed storage.

Checks (:func:`check_file`):

- Types: PDF, JPEG, PNG and (where a module allows it) DOCX, recognised from their bytes. The name's extension
  must agree with the content, so a script or an HTML page renamed `.pdf` is refused; markup in the first
  4 KB refuses the file whatever its header.
- A PDF must end with ``%%EOF`` and carry no active content (JavaScript, launch actions, embedded files, XFA
  forms, also when the names are hex-escaped). Images must decode (Pillow, decompression-bomb guard on).
  A DOCX must be an Office Open XML word-processing package without macros and not a zip bomb.

Storage (:class:`SealedStore`): AES-GCM with the active field-encryption key, its key id kept in the blob; the
random storage name is bound into the ciphertext (associated data), so a file moved onto another record's
name does not decrypt. MEDIA is never served directly: each module's download view checks scope and audits.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import zipfile
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSIONS: dict[str, tuple[str, ...]] = {PDF: (".pdf",), JPEG: (".jpg", ".jpeg"), PNG: (".png",), DOCX: (".docx",)}
DOCX_MAX_UNCOMPRESSED = 100 * 1024 * 1024
DOCX_MAX_ENTRIES = 2000
_NONCE_BYTES = 12
_MARKUP = re.compile(rb"<\s*(script|html|body|iframe|svg|object|embed)\b|<!doctype\s+html|javascript:", re.I)
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA|SubmitForm|ImportData)(?![A-Za-z])")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


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


def decode_text(data: bytes) -> str | None:
    """Text of an uploaded CSV or schedule: UTF-8 (with or without BOM), else GB18030 — the superset of GBK that
    Excel and HR systems on a Chinese Windows write. None when it is neither."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def accept_attribute(allowed: Collection[str]) -> str:
    """The ``accept`` attribute of a file input for these types."""
    return ",".join(ext for kind in EXTENSIONS if kind in allowed for ext in EXTENSIONS[kind])


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are (one of the known types), or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"PK\x03\x04"):
        return DOCX  # confirmed (or refused) by the package check
    return None


def _none_of_them(allowed: Collection[str]) -> str:
    if DOCX in allowed:
        return _("Only PDF, JPEG, PNG and Word (.docx) files are accepted; this file is none of them.")
    return _("Only PDF, JPEG and PNG files are accepted; this file is none of them.")


def check_file(name: str, data: bytes, *, allowed: Collection[str], max_bytes: int) -> Checked:
    """Check one file completely; raise :class:`Rejected` with the reason."""
    if not data:
        raise Rejected(_("The file is empty."))
    if len(data) > max_bytes:
        raise Rejected(_("The file is larger than %(mb)s MB.") % {"mb": max(1, max_bytes // (1024 * 1024))})
    kind = sniff(data)
    if kind is None or kind not in allowed or _MARKUP.search(data[:4096]):
        raise Rejected(_none_of_them(allowed))
    extension = os.path.splitext(name or "")[1].lower()
    if extension not in EXTENSIONS[kind]:
        raise Rejected(
            _("The file's name does not match its content (a %(kind)s file named %(ext)s).")
            % {"kind": EXTENSIONS[kind][0].lstrip(".").upper(), "ext": extension or "—"}
        )
    if kind == PDF:
        _check_pdf(data)
    elif kind in (JPEG, PNG):
        _check_image(data, kind)
    else:
        _check_docx(data)
    return Checked(os.path.basename(name)[:200], kind, data)


def read_upload(upload: Any, max_bytes: int) -> tuple[str, bytes]:
    """The name and bytes of an uploaded file, reading at most one byte over the limit."""
    upload.seek(0)
    return str(getattr(upload, "name", "") or ""), upload.read(max_bytes + 1)


def _check_pdf(data: bytes) -> None:
    if b"%%EOF" not in data[-2048:]:
        raise Rejected(_("The PDF file is incomplete or damaged."))
    if _PDF_ACTIVE.search(_PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)):
        raise Rejected(
            _("PDF files with scripts, actions or embedded files are not accepted. Print it to a plain PDF or send a scan.")
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


@dataclass(frozen=True)
class SealedStore:
    """Encrypted files under MEDIA_ROOT/<prefix>/YYYY/MM/<random>.bin.

    ``magic`` starts every blob (a format tag per module) and ``purpose`` is bound into the associated data
    with the key id and the storage name, so one module's file never decrypts as another's.
    """

    prefix: str
    magic: bytes
    purpose: bytes

    def new_name(self) -> str:
        return f"{self.prefix}/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.bin"

    def _aad(self, kid: str, storage_name: str) -> bytes:
        return self.purpose + b"|" + kid.encode() + b"|" + storage_name.encode()

    def seal(self, data: bytes, storage_name: str) -> tuple[bytes, str]:
        """AES-GCM with the active field-encryption key; returns the stored bytes and the key id."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        from finassure.platform import crypto

        ring = crypto.keyring()
        nonce, kid = os.urandom(_NONCE_BYTES), ring.active_kid
        sealed = AESGCM(ring.active_key).encrypt(nonce, data, self._aad(kid, storage_name))
        return self.magic + bytes([len(kid.encode())]) + kid.encode() + nonce + sealed, kid

    def unseal(self, blob: bytes, storage_name: str) -> bytes:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        from finassure.platform import crypto

        if not blob.startswith(self.magic):
            raise crypto.DecryptionError("not a sealed attachment", kid=None, context=storage_name)
        size = blob[len(self.magic)]
        start = len(self.magic) + 1
        kid = blob[start : start + size].decode()
        key = crypto.keyring().keys.get(kid)
        if key is None:
            raise crypto.UnknownKeyError("key id not in FIELD_ENCRYPTION_KEYS", kid=kid, context=storage_name)
        nonce = blob[start + size : start + size + _NONCE_BYTES]
        return AESGCM(key).decrypt(nonce, blob[start + size + _NONCE_BYTES :], self._aad(kid, storage_name))

    def write(self, storage_name: str, data: bytes) -> str:
        """Seal and write; returns the key id. Names are random, so an existing file means a bug: refuse."""
        if default_storage.exists(storage_name):
            raise FileExistsError(storage_name)
        blob, kid = self.seal(data, storage_name)
        saved = default_storage.save(storage_name, ContentFile(blob))
        if saved != storage_name:  # pragma: no cover - the storage renamed it: never keep a file we cannot find
            default_storage.delete(saved)
            raise FileExistsError(storage_name)
        return kid

    def read(self, storage_name: str) -> bytes:
        with default_storage.open(storage_name, "rb") as handle:
            return self.unseal(handle.read(), storage_name)

    @staticmethod
    def delete(storage_name: str) -> None:
        if storage_name and default_storage.exists(storage_name):
            default_storage.delete(storage_name)
