"""The zh-hans catalogue is complete, compiled, and in step with the sources; English plurals render.

When a test here fails after new UI strings were added: run scripts/i18n-update, translate every new
msgid in finassure/locale/zh_Hans/LC_MESSAGES/django.po, run the script again and commit .po and .mo.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.template import Context, Template
from django.utils import translation

import finassure
from tests.po import assert_mo_matches_po, header, messages, parse_po

LOCALE_DIR = Path(finassure.__file__).resolve().parent / "locale"
ZH_PO = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.po"
ZH_MO = ZH_PO.with_suffix(".mo")
EN_PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
# The same ignores as scripts/i18n-update.
IGNORE = ["engine/*", "static/*"]


def test_zh_catalogue_header() -> None:
    head = header(ZH_PO)
    assert head["Language"] == "zh_Hans"
    assert head["Content-Type"] == "text/plain; charset=UTF-8"
    assert head["Plural-Forms"] == "nplurals=1; plural=0;"
    assert "fuzzy" not in next(e for e in parse_po(ZH_PO) if e.msgid == "").flags


def test_zh_catalogue_is_complete() -> None:
    entries = messages(ZH_PO)
    assert len(entries) > 100
    assert [e.msgid for e in entries if "fuzzy" in e.flags] == []
    empty = [e.msgid for e in entries if not e.msgstr or any(not s.strip() for s in e.msgstr.values())]
    assert empty == [], f"untranslated: {empty}"
    assert not any(e.obsolete for e in parse_po(ZH_PO))


def test_zh_plurals_have_one_form() -> None:
    for e in messages(ZH_PO):
        assert set(e.msgstr) == ({0} if e.msgid_plural is not None else {-1}), e.msgid


def test_zh_placeholders_are_kept() -> None:
    for e in messages(ZH_PO):
        wanted = set(PLACEHOLDER.findall(e.msgid)) | set(PLACEHOLDER.findall(e.msgid_plural or ""))
        for msgstr in e.msgstr.values():
            assert set(PLACEHOLDER.findall(msgstr)) == wanted, e.msgid
            assert msgstr.count("%") - msgstr.count("%%") * 2 == len(PLACEHOLDER.findall(msgstr)), e.msgid


def test_zh_mo_matches_po() -> None:
    assert_mo_matches_po(ZH_PO, ZH_MO)


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (xgettext)")
def test_catalogues_cover_every_source_string(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Extract the msgids afresh (makemessages on a copy of the sources) and find each one in the catalogue."""
    source = Path(finassure.__file__).resolve().parent
    copy = tmp_path / "finassure"
    shutil.copytree(
        source, copy, ignore=shutil.ignore_patterns("engine", "static", "locale", "var", "__pycache__")
    )
    (copy / "locale").mkdir()
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["zh_Hans"], ignore_patterns=IGNORE, no_obsolete=True, verbosity=0)
    fresh = {e.key for e in messages(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")}
    assert fresh, "makemessages extracted nothing"
    for path in (ZH_PO, EN_PO):
        missing = sorted(fresh - {e.key for e in messages(path)}, key=str)
        assert missing == [], (
            f"{path.relative_to(source)} lacks new msgids (run scripts/i18n-update): {missing}"
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "present", "absent"),
    [("zh-hans", ["登录", "金融服务质量安全保证体系"], ["Sign in"]), ("en", ["Sign in"], ["登录"])],
)
def test_login_page_language(client: Any, language: str, present: list[str], absent: list[str]) -> None:
    with translation.override(language):
        response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    for text in present:
        assert text in html
    for text in absent:
        assert text not in html


HOME_COUNT = Template(
    "{% load i18n %}{% blocktranslate count n=n %}You see {{ n }} org unit.{% plural %}"
    "You see {{ n }} org units.{% endblocktranslate %}"
)
PAGE_COUNT = Template(
    "{% load i18n %}{% blocktranslate with n=1 total=3 count items=items %}Page {{ n }} of {{ total }} "
    "({{ items }} in all){% plural %}Page {{ n }} of {{ total }} ({{ items }} in all){% endblocktranslate %}"
)


@pytest.mark.parametrize(
    ("language", "n", "expected"),
    [
        ("en", 1, "You see 1 org unit."),
        ("en", 2, "You see 2 org units."),
        ("en", 0, "You see 0 org units."),
        ("zh-hans", 1, "您可查看 1 个机构。"),
        ("zh-hans", 7, "您可查看 7 个机构。"),
    ],
)
def test_plurals_render(language: str, n: int, expected: str) -> None:
    with translation.override(language):
        assert HOME_COUNT.render(Context({"n": n})) == expected


def test_pagination_renders() -> None:
    with translation.override("en"):
        assert PAGE_COUNT.render(Context({"items": 41})) == "Page 1 of 3 (41 in all)"
    with translation.override("zh-hans"):
        assert PAGE_COUNT.render(Context({"items": 41})) == "第 1 / 3 页，共 41 条"
