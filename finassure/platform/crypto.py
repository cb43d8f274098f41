"""Field encryption for personal financial data at rest: AES-256-GCM with key ids, so keys can rotate.

A token looks like ``fa1:<kid>:<base64url(nonce | ciphertext+tag)>``. The associated data binds each
token to its key id and to a context string (usually ``"<app>.<Model>.<field>"``), so a ciphertext
copied into another field, or relabelled with another key id, fails to decrypt.

Keys come from ``settings.FIELD_ENCRYPTION_KEYS`` (``"kid:base64key,kid2:base64key"``). The active key
(``settings.FIELD_ENCRYPTION_ACTIVE_KEY``, default: the last one listed) encrypts; every key decrypts.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import os
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FORMAT_VERSION = "fa1"
KEY_BYTES = 32
NONCE_BYTES = 12
_TAG_BYTES = 16
_KID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
_BLIND_INDEX_INFO = b"finassure blind index v1:"


class DecryptionError(ValueError):
    """A token could not be decrypted. The message names the key id and context, never the value."""

    def __init__(self, reason: str, *, kid: str | None, context: str) -> None:
        self.kid = kid
        self.context = context
        key = f"key {kid!r}" if kid else "no key id"
        super().__init__(f"cannot decrypt field value ({key}, context {context!r}): {reason}")


class UnknownKeyError(DecryptionError):
    """The token names a key id that is not in FIELD_ENCRYPTION_KEYS (a key removed too early)."""


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, bytes]
    active_kid: str

    @property
    def active_key(self) -> bytes:
        return self.keys[self.active_kid]


def parse_keys(spec: str | None, active_kid: str | None = None) -> Keyring:
    """Parse ``"kid:base64key,..."``. Errors name the key id or position, never the key material."""
    entries = [entry.strip() for entry in (spec or "").split(",") if entry.strip()]
    if not entries:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is empty: set FINASSURE_FIELD_KEYS to 'kid:base64key'"
        )
    keys: dict[str, bytes] = {}
    for position, entry in enumerate(entries, start=1):
        kid, key = _parse_entry(entry, position)
        if kid in keys:
            raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS lists key id {kid!r} twice")
        keys[kid] = key
    active = active_kid or list(keys)[-1]
    if active not in keys:
        raise ImproperlyConfigured(
            f"FIELD_ENCRYPTION_ACTIVE_KEY is {active!r}, which is not in FIELD_ENCRYPTION_KEYS ({', '.join(keys)})"
        )
    return Keyring(keys=keys, active_kid=active)


def _parse_entry(entry: str, position: int) -> tuple[str, bytes]:
    kid, sep, encoded = entry.partition(":")
    kid = kid.strip()
    if not sep or not _KID_RE.match(kid):
        raise ImproperlyConfigured(
            f"FIELD_ENCRYPTION_KEYS entry {position} must be 'kid:base64key' with a key id of "
            "letters, digits, '_', '.' or '-' (at most 32)"
        )
    try:
        key = _b64decode_lenient(encoded.strip())
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS key {kid!r} is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise ImproperlyConfigured(
            f"FIELD_ENCRYPTION_KEYS key {kid!r} is {len(key)} bytes; AES-256 needs exactly {KEY_BYTES}"
        )
    return kid, key


def _b64decode_lenient(text: str) -> bytes:
    # Operators paste keys from `openssl rand -base64 32` or from Python's urlsafe encoder: accept both.
    text = text.replace("-", "+").replace("_", "/")
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


@functools.lru_cache(maxsize=8)
def _cached_keyring(spec: str | None, active_kid: str | None) -> Keyring:
    return parse_keys(spec, active_kid)


def keyring() -> Keyring:
    """The keyring from settings, parsed once per distinct setting value (so override_settings works)."""
    spec = getattr(settings, "FIELD_ENCRYPTION_KEYS", None)
    return _cached_keyring(spec, getattr(settings, "FIELD_ENCRYPTION_ACTIVE_KEY", None) or None)


def _associated_data(kid: str, context: str) -> bytes:
    return f"{FORMAT_VERSION}|{kid}|{context}".encode()


def encrypt(value: str, *, context: str) -> str:
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.active_key).encrypt(
        nonce, value.encode(), _associated_data(ring.active_kid, context)
    )
    payload = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")
    return f"{FORMAT_VERSION}:{ring.active_kid}:{payload}"


def decrypt(token: str, *, context: str) -> str:
    kid, blob = _split(token, context=context)
    key = keyring().keys.get(kid)
    if key is None:
        raise UnknownKeyError("key id not in FIELD_ENCRYPTION_KEYS", kid=kid, context=context)
    try:
        plain = AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _associated_data(kid, context))
    except InvalidTag:
        raise DecryptionError(
            "authentication failed (wrong key, wrong context or tampered token)", kid=kid, context=context
        ) from None
    return plain.decode()


def _split(token: str, *, context: str) -> tuple[str, bytes]:
    version, _, rest = str(token).partition(":")
    kid, sep, payload = rest.partition(":")
    if version != FORMAT_VERSION or not sep:
        raise DecryptionError("not an encrypted field token", kid=None, context=context)
    if not _KID_RE.match(kid):
        raise DecryptionError("malformed key id", kid=None, context=context)
    blob = _b64decode_canonical(payload)
    if blob is None or len(blob) < NONCE_BYTES + _TAG_BYTES:
        raise DecryptionError("malformed payload", kid=kid, context=context)
    return kid, blob


def _b64decode_canonical(payload: str) -> bytes | None:
    # Base64 ignores the low bits of a final partial character; re-encoding and comparing makes every
    # changed character of the token an error, instead of some decoding to the same bytes.
    try:
        blob = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except (binascii.Error, ValueError):
        return None
    if base64.urlsafe_b64encode(blob).rstrip(b"=").decode("ascii") != payload:
        return None
    return blob


def token_kid(token: str) -> str:
    """The key id a token was encrypted with; raises DecryptionError if it is not a token."""
    return _split(token, context="?")[0]


def needs_rotation(token: str) -> bool:
    """True when the token was encrypted with a key other than the active one."""
    return token_kid(token) != keyring().active_kid


def rotate(token: str, *, context: str) -> str:
    """Re-encrypt a token under the active key; returns it unchanged when already current."""
    if not needs_rotation(token):
        return token
    return encrypt(decrypt(token, context=context), context=context)


def blind_index(value: str, *, context: str) -> str:
    """A keyed hash for exact-match lookup of an encrypted value; callers normalise the value first.

    It depends on the active key, so rotating keys means recomputing stored indexes; until then use
    ``blind_index_candidates`` to look up under every key.
    """
    ring = keyring()
    return _blind_index(ring.active_kid, ring.active_key, value, context)


def blind_index_candidates(value: str, *, context: str) -> list[str]:
    """The value's blind index under every configured key, for lookups during a key rotation."""
    return [_blind_index(kid, key, value, context) for kid, key in keyring().keys.items()]


def _blind_index(kid: str, key: bytes, value: str, context: str) -> str:
    digest = hmac.new(_blind_index_key(key, context), value.encode(), hashlib.sha256).digest()
    return f"{kid}:{base64.urlsafe_b64encode(digest).rstrip(b'=').decode('ascii')}"


@functools.lru_cache(maxsize=256)
def _blind_index_key(key: bytes, context: str) -> bytes:
    # A separate key per context: the same phone number in two fields gives unrelated indexes, and the
    # HMAC key is never the encryption key itself.
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_BLIND_INDEX_INFO + context.encode())
    return hkdf.derive(key)
