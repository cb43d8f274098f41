"""Fixtures of risk monitoring: one tiny engine run per test session (a few hundred transactions), copied per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from finassure.accounts.roles import Role


@pytest.fixture(scope="session")
def engine_output(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from finassure.monitoring import services

    root = tmp_path_factory.mktemp("engine")
    store, out = root / "store", root / "out"
    services.demo_store_generate(store=store, rows=400, seed=7)
    services.engine_execute(store=store, out=out)
    return {"store": store, "out": out}


@pytest.fixture(autouse=True)
def _monitoring_dirs(settings: Any, tmp_path: Path) -> None:
    settings.FINASSURE_MONITORING_RUNS_DIR = str(tmp_path / "runs")
    settings.FINASSURE_TRANSACTION_STORE = str(tmp_path / "no-store")


@pytest.fixture
def engine_store(settings: Any, engine_output: dict[str, Path]) -> Path:
    """The session's small transaction store, as the configured store."""
    settings.FINASSURE_TRANSACTION_STORE = str(engine_output["store"])
    return engine_output["store"]


@pytest.fixture
def copied_output(tmp_path: Path, engine_output: dict[str, Path]) -> Path:
    target = tmp_path / "copied-run"
    shutil.copytree(engine_output["out"], target, ignore=shutil.ignore_patterns("_parts"))
    return target


@pytest.fixture
def analyst(make_user: Any) -> Any:
    return make_user(Role.AML_ANALYST, unit="beijing")


@pytest.fixture
def checker(make_user: Any) -> Any:
    return make_user(Role.AML_ANALYST, unit="beijing")


@pytest.fixture
def prepared_run(org: Any, copied_output: Path) -> Any:
    """A run whose engine part finished: its folder holds the outputs, ready for import."""
    from finassure.monitoring.models import Run

    return Run.objects.create(
        org_unit=org.haidian, status=Run.Status.RUNNING, input_path="store", output_dir=str(copied_output)
    )


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Iterator[None]:
    """Messages are asserted in English (the catalogue translates them to zh-hans, the default language):
    services through the override, pages because they answer in LANGUAGE_CODE without Accept-Language."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_realtime_rules() -> Iterator[None]:
    """Unit ids are reused between tests: never let one test's cached rule changes reach another."""
    from finassure.monitoring import rulebook

    rulebook.realtime_rules_forget()
    yield
    rulebook.realtime_rules_forget()
