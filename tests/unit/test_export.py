"""Exports: formula-like text is neutralised for Excel, numbers untouched, formats round-trip."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from core.export import neutralise, to_csv_bytes, to_xlsx_bytes, write_table

TABLE = pl.DataFrame(
    {
        "customer_id": ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "\tpad", "plain", None],
        "revenue": [-5.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        "day": [date(2024, 1, d) for d in range(1, 8)],
    }
)


def test_neutralise_prefixes_dangerous_text_only() -> None:
    out = neutralise(TABLE)
    assert out["customer_id"].to_list() == [
        '\'=HYPERLINK("x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tpad",
        "plain",
        None,
    ]
    assert out["revenue"].to_list() == TABLE["revenue"].to_list()  # a negative number stays
    assert out["day"].to_list() == TABLE["day"].to_list()


def test_csv_has_bom_and_flattens_lists() -> None:
    df = pl.DataFrame({"id": ["a"], "tags": [["x", "y"]], "n": [1]})
    data = to_csv_bytes(df)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data[3:].decode() == 'id,tags,n\na,"x, y",1\n'


def test_write_table_round_trips(tmp_path: Path) -> None:
    for ext in ("csv", "xlsx", "parquet"):
        path = write_table(TABLE, tmp_path / f"t.{ext}")
        if ext == "csv":
            back = pl.read_csv(path.read_bytes()[3:])
        elif ext == "xlsx":
            back = pl.read_excel(path)
        else:
            back = pl.read_parquet(path)
        assert back["revenue"].to_list() == TABLE["revenue"].to_list(), ext
        expected = neutralise(TABLE) if ext != "parquet" else TABLE
        assert back["customer_id"].to_list() == expected["customer_id"].to_list(), ext


def test_xlsx_bytes_is_a_workbook() -> None:
    assert to_xlsx_bytes(TABLE, sheet="x" * 40)[:4] == b"PK\x03\x04"  # long names are cut to 31


def test_unknown_extension_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"use a \.csv, \.xlsx or \.parquet name"):
        write_table(TABLE, tmp_path / "t.json")
