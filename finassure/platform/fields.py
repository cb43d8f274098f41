"""Model fields for personal financial data: stored encrypted, read as plain text, tagged for masking and audit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact, IsNull
from django.utils.translation import gettext_lazy as _

from finassure.platform import crypto
from finassure.platform.masking import KINDS as MASK_KINDS

PII_CLASSES = ("C1", "C2", "C3")


class EncryptedTextField(models.TextField):
    """A text column holding an AES-GCM token (see ``crypto``); the Python value is the plain string.

    The token is bound to ``"<app>.<Model>.<field>"``, so renaming the model or field orphans existing
    values unless the old context is pinned with ``context=``. Empty strings and None are stored as they
    are, so "not given" stays queryable. Ciphertexts are randomised: filter with a blind index, not
    with ``exact`` on this field.
    """

    description = _("Encrypted text")

    def __init__(
        self,
        *args: Any,
        pii_class: str = "C2",
        mask: str = "generic",
        context: str | None = None,
        **kwargs: Any,
    ):
        if pii_class not in PII_CLASSES:
            raise ValueError(f"pii_class must be one of {', '.join(PII_CLASSES)}, got {pii_class!r}")
        if mask not in MASK_KINDS:
            raise ValueError(f"mask must be one of {', '.join(MASK_KINDS)}, got {mask!r}")
        self.pii_class = pii_class
        self.mask_kind = mask
        self.pinned_context = context
        self.context = context or ""
        super().__init__(*args, **kwargs)

    def contribute_to_class(self, cls: type[models.Model], name: str, *args: Any, **kwargs: Any) -> None:
        super().contribute_to_class(cls, name, *args, **kwargs)
        if not self.pinned_context:
            self.context = f"{cls._meta.label}.{name}"

    def deconstruct(self) -> tuple[str, str, Sequence[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        if self.pii_class != "C2":
            kwargs["pii_class"] = self.pii_class
        if self.mask_kind != "generic":
            kwargs["mask"] = self.mask_kind
        if self.pinned_context:
            kwargs["context"] = self.pinned_context
        return name, path, args, kwargs

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value, context=self._require_context())

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value, context=self._require_context())

    def _require_context(self) -> str:
        if not self.context:
            raise FieldError("EncryptedTextField used before it was added to a model (no encryption context)")
        return self.context

    def get_lookup(self, lookup_name: str) -> Any:
        # Any comparison other than "is it empty" would silently match nothing, since each encryption of
        # the same value differs; refuse it loudly instead.
        if lookup_name == "exact":
            return _EmptyOnlyExact
        if lookup_name == "isnull":
            return IsNull
        return None


class _EmptyOnlyExact(Exact):
    def get_prep_lookup(self) -> Any:
        if self.rhs not in ("", None):
            raise FieldError(
                "an encrypted field can only be compared with ''; "
                "look it up through a blind index (finassure.platform.crypto.blind_index)"
            )
        return super().get_prep_lookup()
