"""The logging filter masks resident IDs, card numbers and mobiles before any handler writes them."""

from __future__ import annotations

import io
import logging
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finassure.platform.logging import RedactPersonalData, luhn_valid, redact


def _with_luhn_digit(prefix: str) -> str:
    for check in "0123456789":
        if luhn_valid(prefix + check):
            return prefix + check
    raise AssertionError("unreachable: one check digit always fits")


@pytest.fixture
def captured():
    """A logger whose handler has the filter, as settings.LOGGING configures it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactPersonalData())
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证110101199003074514的客户", "身份证110101********4514的客户"),
        ("id=11010119900307451X.", "id=110101********451X."),
        ("卡号 6222021234567890128 已冻结", "卡号 622202*********0128 已冻结"),
        ("card 4111-1111-1111-1111", "card 4111-11**-****-1111"),
        ("card 4111 1111 1111 1111", "card 4111 11** **** 1111"),
        ("手机13812345678", "手机138****5678"),
        ("tel +86 138-1234-5678", "tel +86 138-****-5678"),
        ("user13812345678 called", "user138****5678 called"),
    ],
)
def test_it_masks_personal_numbers_in_text(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "order 1234567890123456 failed",  # 16 digits, not Luhn-valid: not a card
        "took 1732700000000 ms",  # 13 digits starting 17: not a mobile
        "12345678901 is not a mobile (starts 12)",
        "138123456789 has 12 digits",
        "amount 50000.00 CNY at 2026-11-27 09:15:00",
    ],
)
def test_it_leaves_other_numbers_alone(text):
    assert redact(text) == text


def test_it_masks_arguments_before_the_handler_formats_them(captured):
    logger, stream = captured
    logger.info("complaint from %s about card %s", "13812345678", "6222021234567890128")
    assert stream.getvalue() == "INFO complaint from 138****5678 about card 622202*********0128\n"


def test_it_masks_dict_arguments(captured):
    logger, stream = captured
    logger.warning("customer %(name)s id %(id)s", {"name": "张三", "id": "110101199003074514"})
    assert "110101199003074514" not in stream.getvalue()
    assert "110101********4514" in stream.getvalue()


def test_it_masks_tracebacks(captured):
    logger, stream = captured
    try:
        raise ValueError("no customer with mobile 13812345678")
    except ValueError:
        logger.exception("lookup failed")
    output = stream.getvalue()
    assert "Traceback" in output and "138****5678" in output
    assert "13812345678" not in output


def test_it_still_logs_a_record_with_a_bad_format_string(captured):
    logger, stream = captured
    logger.error("two placeholders %s %s", "13812345678")
    assert "138****5678" in stream.getvalue()
    assert "13812345678" not in stream.getvalue()


def test_it_never_drops_a_record():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "plain message", (), None)
    assert RedactPersonalData().filter(record) is True
    assert record.getMessage() == "plain message"


@given(
    prefix=st.text(max_size=10).filter(lambda s: not s[-1:].isdigit()),
    suffix=st.text(max_size=10).filter(lambda s: not s[:1].isdigit()),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_no_generated_identifier_survives(prefix, suffix, seed):
    rng = random.Random(seed)
    body = "".join(rng.choice("0123456789") for _ in range(8))
    card = _with_luhn_digit("622202" + body + rng.choice("0123456789"))
    mobile = rng.choice("3456789")
    identifiers = [
        "110101" + body + "123" + rng.choice("0123456789X"),
        card,
        "1" + mobile + "9" + body,
    ]
    for identifier in identifiers:
        output = redact(f"{prefix}{identifier}{suffix}")
        assert identifier not in output
        assert "****" in output


def test_the_configured_console_handler_redacts():
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler)]
    assert any(isinstance(f, RedactPersonalData) for h in handlers for f in h.filters)
