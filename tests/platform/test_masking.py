"""Display masks: the documented examples, configuration, and properties that hold for any input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from finassure.platform.masking import KINDS, MASK_CHAR, MIN_HIDDEN, mask

SHARED_FIXTURE = hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
DIGIT_LIMITS = {"card": 10, "id_number": 10, "phone": 7, "generic": 4}


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("6222021234567890123", "card", "622202*********0123"),
        ("6222 0212 3456 7890", "card", "6222 02** **** 7890"),
        ("11010119900307451X", "id_number", "110101********451X"),
        ("13812345678", "phone", "138****5678"),
        ("+86 138 1234 5678", "phone", "+86 138 **** 5678"),
        ("0086 13812345678", "phone", "0086 138****5678"),
        ("abcdefgh", "generic", "****efgh"),
        (12345678, "generic", "****5678"),
        ("张三", "name", "张*"),
        ("王小明", "name", "王**"),
        ("欧阳娜娜", "name", "欧阳**"),
        ("诸葛亮", "name", "诸葛*"),
        ("司马相如", "name", "司马**"),
        ("欧阳", "name", "欧*"),
        ("John Smith", "name", "J*** S****"),
        ("阿卜杜拉·买买提", "name", "阿***·买**"),
        ("广东省深圳市南山区科技园路1号", "address", "广东省深圳市*********"),
        ("广东省广州市天河区", "address", "广东省广州市***"),
        ("北京市朝阳区建国路88号", "address", "北京市*********"),
        ("新疆维吾尔自治区乌鲁木齐市天山区", "address", "新疆维吾尔自治区乌鲁木齐市***"),
        ("吉林省延边朝鲜族自治州延吉市", "address", "吉林省延边朝鲜族自治州***"),
        ("江苏镇江市京口区", "address", "江苏镇江市***"),
        ("221B Baker Street", "address", "**** ***** ******"),
    ],
)
def test_it_masks_the_documented_examples(value, kind, expected):
    assert mask(value, kind) == expected


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (None, "card", ""),
        ("", "name", ""),
        ("   ", "phone", "   "),
        ("138", "phone", "***"),
        ("1381234", "phone", "*******"),
        ("6222", "card", "****"),
        ("张", "name", "*"),
        ("J", "name", "*"),
        ("abcd", "generic", "****"),
        ("somewhere", "address", "*********"),
    ],
)
def test_it_masks_everything_it_cannot_classify(value, kind, expected):
    assert mask(value, kind) == expected


def test_the_institution_can_configure_a_digit_mask(settings):
    settings.FINASSURE_MASKS = {"id_number": {"first": 3, "last": 4}}
    assert mask("11010119900307451X", "id_number") == "110***********451X"
    assert mask("13812345678", "phone") == "138****5678"


def test_a_bad_mask_setting_falls_back_to_the_default(settings):
    settings.FINASSURE_MASKS = {"card": {"first": -1, "last": "4"}}
    assert mask("6222021234567890123", "card") == "622202*********0123"


def test_a_generous_setting_still_hides_at_least_four_characters(settings):
    settings.FINASSURE_MASKS = {"phone": {"first": 5, "last": 5}}
    assert mask("13812345678", "phone") == "***********"


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown mask kind"):
        mask("x", "passport")


def _revealed(original: str, masked: str) -> int:
    return sum(1 for a, b in zip(original, masked, strict=True) if a == b and not a.isspace() and a != "-")


@SHARED_FIXTURE
@given(value=st.one_of(st.none(), st.text(), st.integers()), kind=st.sampled_from(KINDS))
def test_it_never_raises_and_keeps_the_length(value, kind):
    masked = mask(value, kind)
    assert len(masked) == len("" if value is None else str(value))


@given(digits=st.text(alphabet="0123456789 -X", max_size=30), kind=st.sampled_from(sorted(DIGIT_LIMITS)))
def test_digit_masks_never_reveal_more_than_allowed(digits, kind):
    masked = mask(digits, kind)
    # A phone's country code ("0086", "+86") is shown and is not part of the number.
    country_code = 4 if kind == "phone" else 0
    assert _revealed(digits, masked) <= DIGIT_LIMITS[kind] + country_code
    significant = len([c for c in digits if c not in " -"])
    assert masked.count(MASK_CHAR) >= min(MIN_HIDDEN, significant)


@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=6))
def test_chinese_names_reveal_at_most_the_surname(name):
    masked = mask(name, "name")
    assert masked.count(MASK_CHAR) >= 1
    assert _revealed(name, masked) <= 2
    assert masked[0] == (name[0] if len(name) > 1 else MASK_CHAR)


@given(
    st.lists(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEF", min_size=1, max_size=10), min_size=1, max_size=4
    )
)
def test_latin_names_reveal_at_most_one_letter_per_part(parts):
    name = " ".join(parts)
    assert _revealed(name, mask(name, "name")) <= len(parts)


@given(st.text(max_size=40))
def test_addresses_without_a_known_prefix_are_fully_masked(text):
    masked = mask("X" + text, "address")
    assert set(masked) <= {MASK_CHAR} | {c for c in text if c.isspace()}
