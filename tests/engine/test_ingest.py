"""Ingest: validation with quarantine, reconciled counts, idempotent store, local business date, FX."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finassure.engine.fx import FxError, load_fx
from finassure.engine.ingest import InputError, TransactionStore, ingest, load_input, read_validated
from finassure.engine.schema import CANONICAL_COLUMNS
from tests.engine.conftest import large_value_rows, row, write_csv


def test_valid_file_is_stored_and_reingest_adds_nothing(lv_csv: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = ingest(lv_csv, store)
    assert (first.read, first.accepted, first.new, first.quarantined) == (14, 14, 14, 0)
    assert first.reconciles()
    again = ingest(lv_csv, store)
    assert (again.read, again.new, again.already_stored) == (14, 0, 14)
    assert again.reconciles()
    table = TransactionStore(store).read()
    assert table.num_rows == 14
    assert sorted(p.name for p in store.iterdir() if p.name.startswith("date=")) == [
        "date=2026-03-02", "date=2026-03-03"]


def test_local_business_date_not_utc_date(lv_csv: Path) -> None:
    table, _ = load_input(lv_csv)
    by_id = {r["txn_id"]: r for r in table.to_pylist()}
    assert by_id["c1"]["local_date"] == dt.date(2026, 3, 3)  # 16:30Z is 00:30 in Asia/Shanghai
    assert by_id["c6"]["local_date"] == dt.date(2026, 3, 3)  # 20:00-05:00 is 09:00 next day local
    assert by_id["c3"]["local_date"] == dt.date(2026, 3, 2)
    table_utc, _ = load_input(lv_csv, tz="UTC")
    assert {r["txn_id"]: r for r in table_utc.to_pylist()}["c1"]["local_date"] == dt.date(2026, 3, 2)


def test_fx_equivalents_and_cross_border_derivation(lv_csv: Path) -> None:
    table, _ = load_input(lv_csv)
    by_id = {r["txn_id"]: r for r in table.to_pylist()}
    assert by_id["c1"]["amount_cny"] == 30000 and by_id["c1"]["amount_usd"] == pytest.approx(30000 / 7.10)
    assert by_id["i4"]["amount_usd"] == pytest.approx(10000 * 8.20 / 7.10)
    assert by_id["i2"]["cross_border"] is True and by_id["i1"]["cross_border"] is False
    assert by_id["i5"]["cross_border"] is True  # explicit flag with empty country
    assert by_id["c1"]["counterparty_account_id"] is None


def test_bad_rows_are_quarantined_with_line_column_and_reason(tmp_path: Path) -> None:
    rows = [
        row("ok1", "2026-03-02T10:00:00+08:00", "C1", 100),
        row("neg", "2026-03-02T10:00:00+08:00", "C1", -5),
        row("zero", "2026-03-02T10:00:00+08:00", "C1", 0),
        row("nan", "2026-03-02T10:00:00+08:00", "C1", "NaN"),
        row("text", "2026-03-02T10:00:00+08:00", "C1", "abc"),
        row("naive", "2026-03-02T10:00:00", "C1", 100),
        row("baddate", "yesterday", "C1", 100),
        row("ccy", "2026-03-02T10:00:00+08:00", "C1", 100, currency="XYZ"),
        row("chan", "2026-03-02T10:00:00+08:00", "C1", 100, channel="atm"),
        row("ok1", "2026-03-02T11:00:00+08:00", "C1", 100),
        row("ctry", "2026-03-02T10:00:00+08:00", "C1", 100, channel="transfer", country="China"),
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    with path.open("a") as fh:
        fh.write("short,row\n\n")
    report = ingest(path, tmp_path / "store")
    assert report.read == 13 and report.accepted == 1 and report.quarantined == 12
    assert report.reconciles()
    got = {(q["line"], q["column"]): q["reason"] for q in report.quarantine}
    assert "amount must be positive" in got[(3, "amount")]
    assert "amount must be positive" in got[(4, "amount")]
    assert "not a finite number" in got[(5, "amount")]
    assert "not a finite number" in got[(6, "amount")]
    assert "no time zone" in got[(7, "ts")]
    assert "not an ISO 8601" in got[(8, "ts")]
    assert "unknown currency 'XYZ'" in got[(9, "currency")]
    assert "channel must be" in got[(10, "channel")]
    assert "duplicate txn_id (first at line 2)" in got[(11, "txn_id")]
    assert "ISO 3166" in got[(12, "counterparty_country")]
    assert "2 fields" in got[(13, None)] and got[(14, None)] == "empty line"
    saved = [json.loads(x) for x in Path(report.quarantine_file).read_text().splitlines()]
    assert len(saved) == 12 and {s["line"]: s for s in saved}[3]["raw"]["txn_id"] == "neg"


def test_missing_or_renamed_column_is_a_clear_error(tmp_path: Path) -> None:
    cols = tuple("Amount" if c == "amount" else c for c in CANONICAL_COLUMNS)
    rows = [{**r, "Amount": r["amount"]} for r in large_value_rows()]
    path = write_csv(tmp_path / "renamed.csv", rows, cols)
    with pytest.raises(InputError) as err:
        ingest(path, tmp_path / "store")
    msg = str(err.value)
    assert "renamed.csv" in msg and "line 1" in msg and "amount" in msg and "'Amount'" in msg


def test_empty_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(InputError, match=r"empty\.csv: line 1: empty file"):
        ingest(path, tmp_path / "store")


def test_header_only_file_reads_zero(tmp_path: Path) -> None:
    report = ingest(write_csv(tmp_path / "h.csv", []), tmp_path / "store")
    assert (report.read, report.accepted, report.quarantined) == (0, 0, 0)


def test_streaming_in_chunks_keeps_line_numbers_and_cross_chunk_duplicates(tmp_path: Path, monkeypatch) -> None:
    import finassure.engine.ingest.readers as readers

    monkeypatch.setattr(readers, "CHUNK_ROWS", 4)
    rows = [row(f"t{i}", "2026-03-02T10:00:00+08:00", "C1", 10 + i) for i in range(10)]
    rows.append(row("t2", "2026-03-02T10:00:00+08:00", "C1", 1))  # duplicate of line 4, in a later chunk
    rows.append(row("t99", "2026-03-02T10:00:00+08:00", "C1", -1))
    path = write_csv(tmp_path / "big.csv", rows)
    chunks = list(read_validated(path))
    assert len(chunks) >= 3
    report = ingest(path, tmp_path / "store")
    assert (report.read, report.accepted, report.quarantined) == (12, 10, 2)
    done: list[int] = []
    ingest(path, tmp_path / "store2", progress=done.append)  # the CLI's progress bar: rows read after each chunk
    assert len(done) >= 3 and done == sorted(done) and done[-1] == 12
    reasons = sorted(q["reason"] for q in report.quarantine)
    assert any("duplicate txn_id 't2'" in r for r in reasons)
    assert [q["line"] for q in report.quarantine if q["column"] == "amount"] == [13]


def test_quarantine_is_written_as_it_comes_and_the_report_keeps_the_first_rows(tmp_path: Path, monkeypatch) -> None:
    """Every bad row reaches the quarantine file in order; the report holds only the first few in memory."""
    import finassure.engine.ingest as ing
    import finassure.engine.ingest.readers as readers

    monkeypatch.setattr(readers, "CHUNK_ROWS", 4)
    monkeypatch.setattr(ing, "QUARANTINE_KEPT", 3)
    rows = [row(f"t{i}", "2026-03-02T10:00:00+08:00", "C1", -i if i % 2 else 10 + i) for i in range(20)]
    path = write_csv(tmp_path / "many.csv", rows)
    report = ingest(path, tmp_path / "store")
    assert (report.read, report.accepted, report.quarantined) == (20, 10, 10) and report.reconciles()
    assert [q["line"] for q in report.quarantine] == [3, 5, 7]
    saved = [json.loads(x) for x in Path(report.quarantine_file).read_text("utf-8").splitlines()]
    assert [q["line"] for q in saved] == list(range(3, 22, 2))
    assert not list(Path(report.quarantine_file).parent.glob(".*.tmp"))
    # a re-ingest of a clean file leaves the earlier quarantine file as it was
    clean = write_csv(tmp_path / "clean.csv", [row("c1", "2026-03-02T10:00:00+08:00", "C1", 5)])
    assert ingest(clean, tmp_path / "store").quarantine_file is None
    assert len(Path(report.quarantine_file).read_text("utf-8").splitlines()) == 10
    # a file validated in memory keeps every row unless it is given a file to write them to
    _, loaded = load_input(path)
    assert len(loaded.quarantine) == 10 and loaded.quarantine_file is None
    _, loaded = load_input(path, quarantine_to=tmp_path / "q.jsonl")
    assert len(loaded.quarantine) == 3 and len((tmp_path / "q.jsonl").read_text("utf-8").splitlines()) == 10


def test_a_quoted_field_over_several_lines_keeps_later_line_numbers(tmp_path: Path, monkeypatch) -> None:
    import finassure.engine.ingest.readers as readers

    monkeypatch.setattr(readers, "CHUNK_ROWS", 2)
    rows = [row("t1", "2026-03-02T10:00:00+08:00", "C1", 10), {**row("t2", "2026-03-02T10:00:00+08:00", "C1", 20),
            "counterparty_bank": "上海\n分行\n(三行)"}, row("t3", "2026-03-02T10:00:00+08:00", "C1", -1)]
    path = write_csv(tmp_path / "q.csv", rows)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("\nshort,row\n")
    report = ingest(path, tmp_path / "store")
    # t2 spans lines 3-5, so t3 is on line 6, the empty line 7, the short row 8
    assert {(q["line"], q["reason"].split(":")[0]) for q in report.quarantine} == {
        (6, "amount"), (7, "empty line"), (8, "row has 2 fields, header has 13")}
    stored = {r["txn_id"]: r for r in TransactionStore(tmp_path / "store").read().to_pylist()}
    assert set(stored) == {"t1", "t2"} and stored["t2"]["counterparty_bank"] == "上海\n分行\n(三行)"


def test_a_duplicate_id_names_the_line_of_its_first_copy_byte_for_byte(tmp_path: Path) -> None:
    """Ids that differ only after a NUL are different ids (pandas' string hashing would merge them)."""
    rows = [row(t, "2026-03-02T10:00:00+08:00", "C1", 10) for t in ("a", "a\x00", "a\x00", "a")]
    report = ingest(write_csv(tmp_path / "nul.csv", rows), tmp_path / "store")
    assert (report.accepted, report.quarantined) == (2, 2)
    assert sorted((q["line"], q["reason"]) for q in report.quarantine) == [
        (4, "txn_id: duplicate txn_id (first at line 3)"), (5, "txn_id: duplicate txn_id (first at line 2)")]


def test_reingest_across_chunks_tells_stored_from_repeated_ids(tmp_path: Path, monkeypatch) -> None:
    """An id the store holds is "already stored" once; met again in a later chunk it is a quarantined duplicate."""
    import finassure.engine.ingest.readers as readers

    monkeypatch.setattr(readers, "CHUNK_ROWS", 3)
    first = write_csv(tmp_path / "a.csv", [row(f"t{i}", "2026-03-02T10:00:00+08:00", "C1", 10 + i) for i in range(4)])
    assert ingest(first, tmp_path / "store").new == 4
    rows = [row(f"t{i}", "2026-03-02T10:00:00+08:00", "C1", 10 + i) for i in range(2, 8)]  # t2, t3 stored
    rows += [row("t3", "2026-03-02T10:00:00+08:00", "C1", 13), row("t6", "2026-03-03T10:00:00+08:00", "C1", 1)]
    report = ingest(write_csv(tmp_path / "b.csv", rows), tmp_path / "store")
    assert (report.read, report.accepted, report.new, report.already_stored, report.quarantined) == (8, 6, 4, 2, 2)
    assert sorted(q["raw"]["txn_id"] for q in report.quarantine) == ["t3", "t6"]
    stored = TransactionStore(tmp_path / "store").read().column("txn_id").to_pylist()
    assert sorted(stored) == [f"t{i}" for i in range(8)]
    table, loaded = load_input(tmp_path / "b.csv")  # a file run without a store: the same duplicates
    assert (loaded.accepted, loaded.quarantined, table.num_rows) == (6, 2, 6)


def test_id_ledger_spills_beyond_its_memory_limit(tmp_path: Path, monkeypatch) -> None:
    import numpy as np
    import pyarrow as pa

    from finassure.engine.ingest.store import IdLedger

    monkeypatch.setenv("FINASSURE_DUCKDB_TEMP", str(tmp_path))
    rng = np.random.default_rng(0)  # random ids: DuckDB compresses sequential ones to a few bytes each
    ids = pa.array([f"{v:016x}" for v in rng.integers(0, 2**62, 2_000_000)])
    with IdLedger(memory_limit="32MB") as ledger:
        for k in range(0, len(ids), 250_000):
            ledger.add(pa.table({"txn_id": ids[k:k + 250_000]}))
        (spill,) = tmp_path.iterdir()  # the ids went to disk, not to memory
        assert any(spill.iterdir())
        probe = pa.table({"txn_id": pa.array([ids[7].as_py(), "not-an-id", ids[-1].as_py()])})
        assert ledger.seen(probe).tolist() == [True, False, True]
        assert ledger.stored(probe).tolist() == [False, False, False]
        assert np.count_nonzero(ledger.seen(pa.table({"txn_id": ids[-50_000:]}))) == 50_000


def _dumped_row_by_row(df) -> list[str]:
    return [json.dumps(r, ensure_ascii=False, default=str) for r in df.to_dict("records")]


def test_attributes_are_the_json_of_each_rows_extra_columns() -> None:
    import numpy as np
    import pandas as pd

    from finassure.engine.ingest.validate import attributes_json

    df = pd.DataFrame({
        "label": np.array([0, 1, 0, 1], dtype="int8"), "text": ["fan_in", None, '上海"x', "a\\b"],
        "f": [1.5, np.nan, -0.0, 0.0], "f32": np.array([0.1, -0.0, 0.0, 0.1], dtype="float32"),
        "ts": pd.to_datetime(["2026-01-01", None, "2026-01-02", "2026-01-01"]),
        "tz": pd.to_datetime(["2026-01-01T00:00:00+08:00"] * 4), "b": [True, False, True, True],
        "na": pd.array([1, None, 3, 1], dtype="Int64"), "cat": pd.Categorical(["x", "y", "x", None]),
        "mixed": [1, True, 1.0, "x"], "u": np.array([1, 2, 3, 2**63], dtype="uint64"),
        "missing": [np.nan, None, float("nan"), "a"], "nul": ["a", "a\x00", "", "\x00"]})  # one value to pd.factorize
    got = attributes_json(df)
    assert got == _dumped_row_by_row(df)
    assert json.loads(got[2].replace("NaN", "null"))["f"] == 0.0 and '"f": -0.0' in got[2]  # not merged with 0.0
    assert '"text": null' in got[1] and '"missing": null' in got[1] and '"missing": NaN' in got[0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.text(max_size=4), st.integers(-3, 3), st.booleans(),
                                    st.floats(allow_nan=True, allow_infinity=True)),
                          st.floats(allow_nan=True, width=64), st.text(max_size=3)), min_size=1, max_size=30))
def test_attributes_json_matches_dumping_row_by_row(rows) -> None:
    import pandas as pd

    from finassure.engine.ingest.validate import attributes_json

    df = pd.DataFrame(rows, columns=["any", "number", "text"])
    assert attributes_json(df) == _dumped_row_by_row(df)


def test_white_space_around_values_is_stripped_as_python_strips_it(tmp_path: Path) -> None:
    import sys

    import pandas as pd

    from finassure.engine.ingest.validate import _needs_strip

    spaces = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())  # \u3000, \x1c, \x85 …
    assert all(_needs_strip(pd.Series(["x", f"a{ch}"])) and _needs_strip(pd.Series([f"{ch}a"])) for ch in spaces)
    assert not _needs_strip(pd.Series(["a b", "上海", "", "x\u200b"]))  # inside, or not white space to Python
    path = write_csv(tmp_path / "ws.csv", [row(" t1\u3000", " 2026-03-02T10:00:00+08:00\u3000", "C1 ", 60_000,
                                                currency="\tcny\u3000")])
    rec = TransactionStore(tmp_path / "store").read().to_pylist()[0] if ingest(path, tmp_path / "store").new else {}
    assert (rec["txn_id"], rec["customer_id"], rec["currency"]) == ("t1", "C1", "CNY")


def test_code_columns_are_cased_as_pandas_cases_them() -> None:
    import pandas as pd

    from finassure.engine.ingest.validate import _COUNTRY, _per_value

    s = pd.Series(["Out", "IN", "out", "ß", "İx", "", "cn", "C1", "out"] * 3, index=range(100, 127))
    for fn, expected in [(str.lower, s.str.lower()), (str.upper, s.str.upper())]:
        got = _per_value(s, fn)
        assert got.tolist() == expected.tolist() and got.index.equals(s.index)
    matched = _per_value(s.str.upper(), lambda v: _COUNTRY.match(v) is not None).astype(bool)
    assert matched.tolist() == s.str.upper().str.match(_COUNTRY).tolist()
    assert _per_value(pd.Series([], dtype=object), str.lower).tolist() == []


def test_extra_columns_are_kept_as_attributes(tmp_path: Path) -> None:
    cols = (*CANONICAL_COLUMNS, "branch")
    path = write_csv(tmp_path / "x.csv", [{**large_value_rows()[0], "branch": "上海分行"}], cols)
    table, _ = load_input(path)
    assert json.loads(table.column("attributes")[0].as_py()) == {"branch": "上海分行"}


def test_mapping_file_adapter(tmp_path: Path) -> None:
    src = tmp_path / "bank.csv"
    src.write_text("流水号,时间,账号,客户号,类型,方向,金额,币种,渠道\n"
                   "9001,2026-03-02T10:00:00+08:00,6222,K1,个人,借,60000,CNY,现金\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "columns: {txn_id: 流水号, ts: 时间, account_id: 账号, customer_id: 客户号, customer_type: 类型,\n"
        "          direction: 方向, amount: 金额, currency: 币种, channel: 渠道}\n"
        "constants: {counterparty_account_id: '', counterparty_bank: '', counterparty_country: CN}\n"
        "values: {customer_type: {个人: individual, 对公: entity}, direction: {借: out, 贷: in},\n"
        "         channel: {现金: cash, 转账: transfer}}\n", encoding="utf-8")
    report = ingest(src, tmp_path / "store", fmt="mapping", mapping=mapping)
    assert report.accepted == 1
    rec = TransactionStore(tmp_path / "store").read().to_pylist()[0]
    assert (rec["direction"], rec["channel"], rec["customer_type"]) == ("out", "cash", "individual")


def test_parquet_input_with_naive_timestamps_is_quarantined(tmp_path: Path) -> None:
    import pandas as pd

    df = pd.DataFrame(large_value_rows()[:3])
    df["ts"] = pd.to_datetime(["2026-03-02 10:00", "2026-03-02 11:00", "2026-03-02 12:00"])
    df["amount"] = df["amount"].astype(float)
    path = tmp_path / "naive.parquet"
    df.to_parquet(path)
    report = ingest(path, tmp_path / "store")
    assert report.quarantined == 3 and all(q["column"] == "ts" for q in report.quarantine)
    assert [q["line"] for q in report.quarantine] == [1, 2, 3]


def test_fx_file_errors_name_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "fx.csv"
    bad.write_text("date,currency,cny_per_unit\n2026-01-01,CNY,1\n2026-01-01,USD,-7\n")
    with pytest.raises(FxError, match="line 3, column cny_per_unit"):
        load_fx(bad)
    own = tmp_path / "own.csv"
    own.write_text("date,currency,cny_per_unit\n2020-01-01,CNY,1\n2020-01-01,USD,7\n2026-03-01,USD,8\n")
    fx = load_fx(own)
    assert fx.cny_per_unit("USD", dt.date(2026, 2, 28)) == 7 and fx.cny_per_unit("USD", dt.date(2026, 3, 1)) == 8


def test_a_run_reads_the_same_values_from_store_parquet_and_csv(lv_csv: Path, tmp_path: Path) -> None:
    """``as_run``: the codes as dictionaries, no attributes, every other value as stored."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from finassure.engine.schema import DICTIONARY_COLUMNS, RUN_COLUMNS, RUN_SCHEMA, STORED_SCHEMA

    store = tmp_path / "store"
    ingest(lv_csv, store)
    plain = TransactionStore(store).read().sort_by("txn_id")
    assert plain.schema == STORED_SCHEMA
    pq.write_table(plain, tmp_path / "in.parquet")
    for source in (store, tmp_path / "in.parquet", lv_csv):
        table, report = load_input(source, as_run=True)
        assert table.schema == RUN_SCHEMA, source
        assert report.accepted == table.num_rows == 14
        decoded = table.sort_by("txn_id").cast(pa.schema([STORED_SCHEMA.field(n) for n in RUN_COLUMNS]))
        assert decoded.to_pylist() == plain.select(list(RUN_COLUMNS)).to_pylist(), source
        assert table.column("channel").chunk(0).dictionary.to_pylist()  # really a dictionary, not cast back
    assert set(DICTIONARY_COLUMNS) < set(RUN_COLUMNS) == set(STORED_SCHEMA.names) - {"attributes"}
