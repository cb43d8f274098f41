"""Logging filter that masks resident ID, bank card and mobile numbers before any handler writes them.

Attach ``RedactPersonalData`` to handlers (settings.LOGGING does). It renders the message once, masks
it, and stores the result as ``record.msg`` with no ``args``, so every later formatter sees only the
masked text. Tracebacks and stack info are masked the same way.
"""

from __future__ import annotations

import logging
import re

from finassure.platform.masking import mask

# Only digits bound a number: "身份证110101199003074514的" and "user13812345678" both match. Masking the
# odd digit run inside a hex hash is the cheaper mistake than leaking a phone number glued to a word.
_RESIDENT_ID = r"(?<!\d)\d{17}[\dXx](?!\d)"
_CARD = r"(?<!\d)(?:\d{16,19}|\d{4}(?P<card_sep>[ -])\d{4}(?P=card_sep)\d{4}(?P=card_sep)\d{4}(?:(?P=card_sep)\d{1,3})?)(?!\d)"
_MOBILE = (
    r"(?<!\d)(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:\d{8}|(?P<mobile_sep>[ -])\d{4}(?P=mobile_sep)\d{4})(?!\d)"
)
# One pass over the text, longest identifiers first, so a masked ID is never re-scanned as a phone.
_PATTERN = re.compile(f"(?P<id>{_RESIDENT_ID})|(?P<card>{_CARD})|(?P<mobile>{_MOBILE})")


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _replace(match: re.Match[str]) -> str:
    text = match.group(0)
    if match.group("id"):
        return mask(text, "id_number")
    if match.group("card"):
        digits = re.sub(r"\D", "", text)
        return mask(text, "card") if luhn_valid(digits) else text
    return mask(text, "phone")


def redact(text: str) -> str:
    """Mask every resident ID, Luhn-valid card number and mainland mobile number in ``text``."""
    return _PATTERN.sub(_replace, text)


class RedactPersonalData(logging.Filter):
    """Masks personal data in the record in place; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(_render(record))
        record.args = ()
        if hasattr(record, "message"):
            record.message = record.msg
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set, so the unmasked traceback is never rendered.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _render(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # a bad format string must still be logged, and still be masked
        return f"{record.msg!s} {record.args!r}"
