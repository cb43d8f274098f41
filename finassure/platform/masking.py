"""Display masks for personal financial data (JR/T 0171-2020 C2): cards, ID numbers, phones, names, addresses.

``mask(value, kind)`` never raises on odd values (None, short strings, spaces, non-strings) and never
reveals more than the configured characters: what it cannot classify it masks completely.

Defaults follow REGULATIONS.md: card first 6 + last 4, resident ID first 6 + last 4, mobile first 3 +
last 4, generic last 4. Institutions override the digit masks with ``settings.FINASSURE_MASKS``, e.g.
``{"id_number": {"first": 3, "last": 4}}``.

Names keep the surname (one character, or two for a compound surname such as 欧阳 or 诸葛). Latin and
transliterated names (``John Smith``, ``阿卜杜拉·买买提``) keep the first letter of each part, since the
surname's position is unknown: ``J*** S****``. Addresses keep the province and city (``广东省深圳市****``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.conf import settings

MASK_CHAR = "*"
KINDS = ("phone", "id_number", "card", "name", "address", "generic")

DEFAULT_DIGIT_MASKS: dict[str, tuple[int, int]] = {
    "card": (6, 4),
    "id_number": (6, 4),
    "phone": (3, 4),
    "generic": (0, 4),
}
# However it is configured, a mask hides at least this many characters or hides everything.
MIN_HIDDEN = 4

# Compound surnames from the Hundred Family Surnames (百家姓) and those still common today.
# fmt: off
COMPOUND_SURNAMES = frozenset(
    {
        "欧阳", "太史", "端木", "上官", "司马", "东方", "独孤", "南宫", "万俟", "闻人", "夏侯", "诸葛",
        "尉迟", "公羊", "赫连", "澹台", "皇甫", "宗政", "濮阳", "公冶", "太叔", "申屠", "公孙", "慕容",
        "仲孙", "钟离", "长孙", "宇文", "司徒", "鲜于", "司空", "闾丘", "子车", "亓官", "司寇", "巫马",
        "公西", "颛孙", "壤驷", "公良", "漆雕", "乐正", "宰父", "谷梁", "拓跋", "夹谷", "轩辕", "令狐",
        "段干", "百里", "呼延", "东郭", "南门", "羊舌", "微生", "梁丘", "左丘", "东门", "西门", "第五",
        "南荣", "东里", "即墨", "达奚", "褚师", "淳于", "单于", "青阳", "完颜",
    }
)
# fmt: on

_SEPARATORS = re.compile(r"[\s\-]")
_CJK = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")
_NAME_PART_SPLIT = re.compile(r"(\s+|[·•・.])")
_PHONE_COUNTRY_CODE = re.compile(r"^(?:\+|00)?86[\s\-]?(?=1\d)")

_PROVINCES = "河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州|云南|陕西|甘肃|青海|台湾"
_REGIONS = "内蒙古自治区|广西壮族自治区|西藏自治区|宁夏回族自治区|新疆维吾尔自治区|内蒙古|广西|西藏|宁夏|新疆"
# City names never contain these characters, so the city pattern cannot run on into the street.
_CITY_NAME = r"[^\s\d区县旗路街巷弄号市省]{1,8}?"
_ADDRESS_PREFIX = re.compile(
    rf"^\s*(?:(?:北京|上海|天津|重庆)市?"
    rf"|(?:香港|澳门)(?:特别行政区)?"
    rf"|(?:(?:{_PROVINCES})省?|{_REGIONS})(?:{_CITY_NAME}(?:市|自治州|地区|盟))?)"
)


def mask(value: object, kind: str) -> str:
    """Mask ``value`` for display as ``kind`` (one of KINDS); an unknown kind is a programming error."""
    if kind not in KINDS:
        raise ValueError(f"unknown mask kind {kind!r}; expected one of {', '.join(KINDS)}")
    text = "" if value is None else str(value)
    if not text.strip():
        return text
    if kind == "name":
        return mask_name(text)
    if kind == "address":
        return mask_address(text)
    if kind == "phone":
        return _mask_phone(text)
    first, last = digit_mask(kind)
    return keep_ends(text, first=first, last=last)


def digit_mask(kind: str) -> tuple[int, int]:
    """(first, last) characters kept for a digit-style kind, from FINASSURE_MASKS or the defaults."""
    configured: Mapping[str, object] = getattr(settings, "FINASSURE_MASKS", None) or {}
    override = configured.get(kind)
    if isinstance(override, Mapping):
        first, last = override.get("first"), override.get("last")
        if isinstance(first, int) and isinstance(last, int) and first >= 0 and last >= 0:
            return first, last
    return DEFAULT_DIGIT_MASKS[kind]


def keep_ends(text: str, *, first: int, last: int) -> str:
    """Keep the first/last significant characters; spaces and dashes stay so grouping remains readable."""
    positions = [i for i, char in enumerate(text) if not _SEPARATORS.match(char)]
    if len(positions) < first + last + MIN_HIDDEN:
        shown: set[int] = set()
    else:
        shown = set(positions[:first]) | set(positions[len(positions) - last :])
    return "".join(
        char if i in shown or _SEPARATORS.match(char) else MASK_CHAR for i, char in enumerate(text)
    )


def _mask_phone(text: str) -> str:
    # "+86 138 1234 5678": the country code is not part of the number, so it neither counts nor shows.
    match = _PHONE_COUNTRY_CODE.match(text)
    prefix = match.group(0) if match else ""
    first, last = digit_mask("phone")
    return prefix + keep_ends(text[len(prefix) :], first=first, last=last)


def mask_name(text: str) -> str:
    name = text.strip()
    start = text.index(name)
    if _CJK.match(name):
        masked = _mask_chinese_name(name)
    else:
        masked = "".join(_mask_name_part(part) for part in _NAME_PART_SPLIT.split(name))
    return text[:start] + masked + text[start + len(name) :]


def _mask_chinese_name(name: str) -> str:
    # A two-character name is surname + given name even when it spells a compound surname (欧阳 = 欧 + 阳).
    surname_length = 2 if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES else 1
    if len(name) <= surname_length:
        return MASK_CHAR * len(name)
    return name[:surname_length] + MASK_CHAR * (len(name) - surname_length)


def _mask_name_part(part: str) -> str:
    if not part or _NAME_PART_SPLIT.fullmatch(part):
        return part
    if len(part) == 1:
        return MASK_CHAR
    return part[0] + MASK_CHAR * (len(part) - 1)


def mask_address(text: str) -> str:
    match = _ADDRESS_PREFIX.match(text)
    prefix = match.group(0) if match else ""
    rest = text[len(prefix) :]
    return prefix + "".join(char if char.isspace() else MASK_CHAR for char in rest)
