"""The engine speaks English and zh-hans without Django: its catalogue is complete and in step, the language is
chosen as documented, and the command line, its errors and the quarantine reasons follow it.

When a catalogue test fails after new engine messages were added: run scripts/i18n-update, translate every new
msgid in finassure/engine/locale/zh_Hans/LC_MESSAGES/engine.po, run it again and commit the .po and the .mo.
"""

from __future__ import annotations

import argparse
import ast
import re
import string
import threading
from pathlib import Path

import pytest

from finassure.engine import i18n
from finassure.engine.cli import main
from finassure.engine.ingest import ingest
from finassure.engine.rules import RuleError, load_rules, select
from tests.po import assert_mo_matches_po, header, messages

ENGINE = Path(i18n.__file__).resolve().parent
PO = i18n.LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "engine.po"
MO = PO.with_suffix(".mo")
PERCENT = re.compile(r"%(?:\((\w+)\))?[sdr]")
# argparse's messages the engine's command line shows most; they must read in Chinese on any Python it runs on
ARGPARSE_CORE = ["usage: ", "options", "positional arguments", "show this help message and exit",
                 "the following arguments are required: %s", "%(prog)s: error: %(message)s\n"]


def source_messages() -> set[str]:
    """Every literal the engine passes to ``_`` or ``ngettext`` (adjacent literals are one in the AST)."""
    found: set[str] = set()
    for path in ENGINE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("_", "ngettext") and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                found.add(node.args[0].value)
    return found


def argparse_entries() -> set[str]:
    """The catalogue's msgids taken from argparse (their reference comment says so)."""
    out = set()
    for block in PO.read_text("utf-8").split("\n\n"):
        if "#: argparse.py" not in block:
            continue
        text, reading = "", False
        for line in block.splitlines():
            if line.startswith("msgid "):
                text, reading = ast.literal_eval(line[len("msgid "):]), True
            elif reading and line.startswith('"'):
                text += ast.literal_eval(line)
            elif reading:
                break
        out.add(text)
    return out


def placeholders(text: str) -> list[tuple[str, str | None, str | None]]:
    """Brace fields (name, conversion, spec) and percent fields, sorted: what a translation must keep."""
    fields = [(name, conv, spec) for _lit, name, spec, conv in string.Formatter().parse(text) if name is not None]
    fields += [("%" + (m.group(1) or m.group(0)), None, None) for m in PERCENT.finditer(text)]
    return sorted(fields, key=str)


def test_the_catalogue_header() -> None:
    head = header(PO)
    assert head["Language"] == "zh_Hans"
    assert head["Content-Type"] == "text/plain; charset=UTF-8"
    assert head["Plural-Forms"] == "nplurals=1; plural=0;"


def test_every_engine_message_is_in_the_catalogue_and_nothing_stale() -> None:
    in_source = source_messages()
    assert len(in_source) > 100
    catalogue = {e.msgid for e in messages(PO)}
    assert sorted(in_source - catalogue) == [], "run scripts/i18n-update and translate the new messages"
    assert sorted(catalogue - in_source - argparse_entries()) == [], "stale messages: run scripts/i18n-update"
    assert set(ARGPARSE_CORE) <= argparse_entries()


def test_every_message_is_translated_and_keeps_its_placeholders() -> None:
    entries = messages(PO)
    assert [e.msgid for e in entries if "fuzzy" in e.flags] == []
    for e in entries:
        assert e.msgstr and all(s.strip() for s in e.msgstr.values()), f"untranslated: {e.msgid!r}"
        assert set(e.msgstr) == ({0} if e.msgid_plural is not None else {-1}), e.msgid
        for text in e.msgstr.values():
            assert placeholders(text) == placeholders(e.msgid), e.msgid
            assert re.search(r"[\u4e00-\u9fff]", text), f"not Chinese: {text!r}"


def test_the_compiled_catalogue_matches_the_po() -> None:
    assert_mo_matches_po(PO, MO)


@pytest.mark.parametrize(("value", "expected"), [
    ("zh_CN.UTF-8", "zh-hans"), ("zh-Hans", "zh-hans"), ("zh_TW", "zh-hans"), ("zh", "zh-hans"),
    ("en_US.UTF-8", "en"), ("en", "en"), ("C", "en"), ("POSIX", "en"), ("C.UTF-8", "en"),
    ("fr_FR.UTF-8", None), ("", None), (None, None), ("english", None),
])
def test_locale_names_map_to_the_engine_languages(value: str | None, expected: str | None) -> None:
    assert i18n.normalize(value) == expected


@pytest.mark.parametrize(("env", "expected"), [
    ({}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh-hans"),
    ({"LANG": "zh_CN.UTF-8", "FINASSURE_LANG": "en"}, "en"),
    ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, "zh-hans"),
    ({"LANGUAGE": "fr_FR:zh_CN", "LANG": "en_US.UTF-8"}, "zh-hans"),
    ({"LANG": "fr_FR.UTF-8"}, "en"),
    ({"FINASSURE_LANG": "klingon", "LANG": "zh_CN.UTF-8"}, "zh-hans"),
])
def test_the_default_language_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    for var in i18n.ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    assert i18n.default_language() == expected
    assert i18n.language() == expected


def test_override_nests_restores_and_refuses_unknown_languages() -> None:
    assert i18n.gettext("amount must be positive") == "amount must be positive"
    with i18n.override("zh-hans") as lang:
        assert lang == "zh-hans"
        assert i18n.gettext("amount must be positive") == "金额必须为正数"
        with i18n.override("en_GB.UTF-8"):
            assert i18n.gettext("amount must be positive") == "amount must be positive"
        assert i18n.language() == "zh-hans"
    assert i18n.language() == "en"
    with pytest.raises(ValueError, match="klingon"), i18n.override("klingon"):
        pass  # never reached: the language is refused on entry
    assert i18n.gettext("a message the catalogue does not hold") == "a message the catalogue does not hold"


def test_override_is_local_to_its_thread() -> None:
    seen: list[str] = []
    with i18n.override("zh-hans"):
        worker = threading.Thread(target=lambda: seen.append(i18n.language()))
        worker.start()
        worker.join()
        assert i18n.language() == "zh-hans"
    assert seen == ["en"]  # FINASSURE_LANG=en in the test process; the other thread did not inherit zh-hans


def test_argparse_reads_the_engine_catalogue_only_inside_the_block() -> None:
    before = argparse._  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError), i18n.override("zh-hans"), i18n.argparse_messages():
        assert argparse._("usage: ") == "用法："  # type: ignore[attr-defined]
        raise RuntimeError("restored even when the block fails")
    assert argparse._ is before  # type: ignore[attr-defined]
    assert argparse._("usage: ") == "usage: "  # type: ignore[attr-defined]


def test_the_command_line_help_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--lang", "zh-hans", "run", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：finassure engine run")
    assert "显示本帮助信息并退出" in out
    assert "本次运行的输出目录" in out
    assert "规则的运行后端（默认：duckdb）" in out  # argparse's %(default)s filled in the translation
    assert "the run's output folder" not in out


def test_the_command_line_help_in_english_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage: finassure engine run")
    assert "the run's output folder" in out
    assert "用法" not in out


def test_argparse_errors_and_engine_errors_in_chinese(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--lang", "zh-hans", "run"])
    assert done.value.code == 2
    assert "缺少以下必需参数：--input, --out" in capsys.readouterr().err
    missing = tmp_path / "nope.csv"
    assert main(["--lang", "zh-hans", "ingest", str(missing), "--store", str(tmp_path / "s")]) == 2
    assert capsys.readouterr().err.strip() == f"错误：{missing}：文件不存在"
    assert main(["ingest", str(missing), "--lang", "zh-hans", "--store", str(tmp_path / "s")]) == 2  # or after
    assert capsys.readouterr().err.strip() == f"错误：{missing}：文件不存在"
    monkeypatch.setenv("FINASSURE_LANG", "zh-hans")  # the environment alone is enough
    assert main(["ingest", str(missing), "--store", str(tmp_path / "s")]) == 2
    assert "文件不存在" in capsys.readouterr().err
    assert main(["--lang", "en", "ingest", str(missing), "--store", str(tmp_path / "s")]) == 2  # --lang wins
    assert capsys.readouterr().err.strip() == f"error: {missing}: file not found"
    assert argparse._("usage: ") == "usage: "  # type: ignore[attr-defined]  # restored after main


def test_an_unknown_language_is_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--lang", "fr", "run", "--help"])
    assert done.value.code == 2
    assert "invalid choice: 'fr'" in capsys.readouterr().err


def test_quarantine_reasons_and_the_summary_follow_the_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header_row = ("txn_id,ts,account_id,customer_id,customer_type,direction,amount,currency,channel,"
                  "counterparty_account_id,counterparty_bank,counterparty_country")
    rows = [
        "t1,2026-03-01T10:00:00+08:00,A1,C1,individual,in,-5,CNY,cash,,,CN",
        "t1,2026-03-01T11:00:00+08:00,A1,C1,individual,in,10,XXX,cash,,,CN",
        "t3,2026-03-01T12:00:00,A1,C1,person,in,10,CNY,cash,,,CN",
    ]
    src = tmp_path / "bad.csv"
    src.write_text("\n".join([header_row, *rows]) + "\n", "utf-8")
    with i18n.override("zh-hans"):
        report = ingest(src, tmp_path / "zh")
    reasons = [q["reason"] for q in report.quarantine]
    assert reasons == [
        "amount: 金额必须为正数",
        "txn_id: 交易编号（txn_id）重复（首次出现于第 2 行）; currency: 未知币种“XXX”",
        "ts: 时间戳没有时区（须为带偏移量或 Z 的 ISO 8601 格式）; "
        "customer_type: customer_type 须为 individual（个人）或 entity（单位）",
    ]
    with i18n.override("zh-hans"):
        assert report.summary() == f"{src}：读取 3 = 接受 0（新增 0，已存储 0）+ 隔离 3"
    english = ingest(src, tmp_path / "en")
    assert [q["reason"] for q in english.quarantine][0] == "amount: amount must be positive"
    assert english.summary() == f"{src}: read 3 = accepted 0 (new 0, already stored 0) + quarantined 3"


def test_a_missing_column_names_the_file_in_chinese(tmp_path: Path) -> None:
    src = tmp_path / "cols.csv"
    src.write_text("txn_id,ts,Account ID\nt1,2026-03-01T10:00:00+08:00,A1\n", "utf-8")
    with i18n.override("zh-hans"), pytest.raises(ValueError) as err:
        ingest(src, tmp_path / "s")
    message = str(err.value)
    assert message.startswith(f"{src}：第 1 行：缺少列 account_id, ")
    assert "“account_id”似乎被改名为“Account ID”" in message


def test_rule_errors_in_chinese() -> None:
    rules = load_rules()
    with i18n.override("zh-hans"), pytest.raises(RuleError, match="未知规则编号：nope"):
        select(rules, ["nope"])
    with pytest.raises(RuleError, match="unknown rule id"):
        select(rules, ["nope"])


@pytest.mark.parametrize(("row", "english", "chinese"), [
    ({"line": 7, "column": "amount", "reason": "r"}, "  line 7, column amount: r", "  第 7 行，amount 列：r"),
    ({"line": 7, "column": None, "reason": "r"}, "  line 7: r", "  第 7 行：r"),
    ({"line": None, "column": "txn_id", "reason": "r"}, "  column txn_id: r", "  txn_id 列：r"),
])
def test_a_quarantined_row_is_shown_with_what_is_known_of_where(
    row: dict[str, object], english: str, chinese: str
) -> None:
    from finassure.engine.cli import _quarantined

    assert _quarantined(row) == english
    with i18n.override("zh-hans"):
        assert _quarantined(row) == chinese
