"""FX table: CNY and USD equivalents of amounts by currency and date (a default table ships; load your own)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from finassure.engine.i18n import _

DEFAULT_FX_NAME = "fx_default.csv"


class FxError(ValueError):
    """The FX file is malformed."""


@dataclass(frozen=True)
class FxTable:
    """Rates as CNY per one unit of currency, each valid from its date until the next one."""

    rates: dict[str, tuple[np.ndarray, np.ndarray]]  # currency -> (sorted day numbers, cny_per_unit)

    @property
    def currencies(self) -> frozenset[str]:
        return frozenset(self.rates)

    def cny_per_unit(self, currency: str, day: date) -> float:
        """Yuan for one unit of ``currency`` on ``day``; :class:`FxError` for a currency the table lacks."""
        if currency not in self.rates:
            raise FxError(_("unknown currency '{code}'").format(code=currency))
        days, values = self.rates[currency]
        i = max(int(np.searchsorted(days, np.datetime64(day, "D").astype(np.int64), side="right")) - 1, 0)
        return float(values[i])

    def convert(self, amounts: pd.Series, currencies: pd.Series, days: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """Return (amount_cny, amount_usd) arrays; ``days`` holds datetime64[D]-compatible values.

        A date before a currency's first rate uses the first rate. Currencies must be known.
        """
        day_num = pd.to_datetime(days).values.astype("datetime64[D]").astype(np.int64)
        cny_rate = np.empty(len(amounts), dtype=np.float64)
        usd_rate = self._rate_array("USD", day_num)
        cur = currencies.to_numpy()
        for code in pd.unique(cur):
            mask = cur == code
            cny_rate[mask] = self._rate_array(str(code), day_num[mask])
        amt = amounts.to_numpy(dtype=np.float64)
        cny = amt * cny_rate
        return cny, cny / usd_rate

    def _rate_array(self, currency: str, day_num: np.ndarray) -> np.ndarray:
        days, values = self.rates[currency]
        idx = np.searchsorted(days, day_num, side="right") - 1
        return values[np.clip(idx, 0, len(values) - 1)]


def load_fx(path: str | Path | None = None) -> FxTable:
    """Load an FX CSV with columns ``date,currency,cny_per_unit``; ``None`` loads the shipped default."""
    if path is None:
        text = resources.files("finassure.engine").joinpath("data", DEFAULT_FX_NAME).read_text("utf-8")
        name = DEFAULT_FX_NAME
    else:
        text = Path(path).read_text("utf-8")
        name = str(path)
    rows: dict[str, list[tuple[int, float]]] = {}
    reader = csv.DictReader(text.splitlines())
    missing = {"date", "currency", "cny_per_unit"} - set(reader.fieldnames or [])
    if missing:
        raise FxError(_("{path}: missing column(s) {columns}").format(path=name, columns=", ".join(sorted(missing))))
    for line, row in enumerate(reader, start=2):
        try:
            day = np.datetime64(date.fromisoformat(row["date"]), "D").astype(np.int64)
            rate = float(row["cny_per_unit"])
        except ValueError as exc:
            raise FxError(_("{path}: line {line}: {error}").format(path=name, line=line, error=exc)) from exc
        if not rate > 0:
            raise FxError(_("{path}: line {line}, column cny_per_unit: rate must be positive").format(path=name, line=line))
        rows.setdefault(row["currency"].strip().upper(), []).append((int(day), rate))
    if "USD" not in rows or "CNY" not in rows:
        raise FxError(_("{path}: the table needs CNY and USD rates").format(path=name))
    rates = {}
    for code, items in rows.items():
        items.sort()
        rates[code] = (np.array([d for d, _ in items], dtype=np.int64), np.array([r for _, r in items]))
    return FxTable(rates)
