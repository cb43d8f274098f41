"""finassure's management commands speak the operator's language (FINASSURE_LANG, else the locale, else English),
their help, output and errors alike, whether run from the command line or through call_command."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import ManagementUtility, call_command, get_commands, load_command_class
from django.utils import translation

from finassure.platform.management.base import DJANGO_OPTION_HELP, LocalizedCommand


def finassure_commands() -> dict[str, str]:
    return {name: app for name, app in get_commands().items() if app.startswith("finassure.")}


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``finassure ARGV`` as the console script runs it (ManagementUtility → run_from_argv)."""
    try:
        ManagementUtility(["finassure", *argv]).execute()
        code = 0
    except SystemExit as done:
        code = int(done.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_every_finassure_command_is_localized() -> None:
    commands = finassure_commands()
    assert {"demo", "backup", "restore", "audit", "calendar", "serve", "worker", "createadmin", "framework",
            "service", "monitoring_labels"} <= set(commands)
    for name, app in commands.items():
        assert isinstance(load_command_class(app, name), LocalizedCommand), name


@pytest.mark.parametrize("name", sorted(finassure_commands()))
def test_every_command_describes_itself_in_chinese(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINASSURE_LANG", "zh-hans")
    command = load_command_class(finassure_commands()[name], name)
    with translation.override("zh-hans"):
        parser = command.create_parser("finassure", name)
    assert parser.description and parser.description != command.help
    helps = [a.help for a in parser._actions if a.help and a.help != "==SUPPRESS=="]
    assert not set(helps) & DJANGO_OPTION_HELP, "Django's own option help left in English"


def test_help_output_and_errors_in_chinese_from_the_command_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FINASSURE_LANG", "zh-hans")
    code, out, _err = run_cli(["backup", "--help"], capsys)
    assert code == 0
    assert out.startswith("用法：finassure backup")
    assert "要写入的备份文件（已存在则覆盖）" in out
    assert "跳过系统检查。" in out
    assert "数据库别名（默认：default）" in out
    code, _out, err = run_cli(["restore", str(tmp_path / "none.sqlite3")], capsys)
    assert code == 1
    assert f"{tmp_path / 'none.sqlite3'} 处没有备份文件" in err
    code, _out, err = run_cli(["audit"], capsys)
    assert code == 2
    assert "缺少以下必需参数：action" in err


def test_the_locale_chooses_when_finassure_lang_is_unset(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # --help ends before the command runs: no database (run_from_argv closes the connections after a run,
    # which inside a test's transaction breaks the next query on PostgreSQL)
    monkeypatch.delenv("FINASSURE_LANG")
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    code, out, _err = run_cli(["audit", "--help"], capsys)
    assert code == 0 and out.startswith("用法：") and "校验审计日志的哈希链" in out
    monkeypatch.setenv("LANG", "C.UTF-8")
    code, out, _err = run_cli(["audit", "--help"], capsys)
    assert code == 0 and out.startswith("usage: ") and "Verify the audit trail's hash chain" in out


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "expected"), [("en", "audit chain intact: "), ("zh-hans", "哈希链完整：已校验 ")])
def test_call_command_follows_the_operator_language_not_the_active_one(
    monkeypatch: pytest.MonkeyPatch, lang: str, expected: str
) -> None:
    monkeypatch.setenv("FINASSURE_LANG", lang)
    out = io.StringIO()
    other = "en" if lang == "zh-hans" else "zh-hans"
    with translation.override(other):
        call_command("audit", "verify", stdout=out)
        assert translation.get_language() == other  # restored after the command
    assert out.getvalue().startswith(expected)


def test_argparse_is_restored_after_a_command(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                             settings: Any) -> None:
    import argparse

    monkeypatch.setenv("FINASSURE_LANG", "zh-hans")
    before = argparse._  # type: ignore[attr-defined]
    run_cli(["worker", "--help"], capsys)
    assert argparse._ is before  # type: ignore[attr-defined]
