"""The typed fast path for text files (core.ingest.readers) against the all-text path.

For every text file the project ships (tests/data, data/), gzipped too, and for generated files
with a hard value deep in the file, load_orders on the typed read gives what it gives on the
all-text read (typed=False, the path the ingest checks were written for): the same orders,
rejected rows and reasons, returns and warnings, or the same error.

Differences allowed, and why:
- a column outside the canonical roles (an attribute) typed Date keeps the date where the text
  path keeps the text "YYYY-MM-DD" (the same text when cast back); an attribute typed Float64
  whose every value is whole stays Float64 where the text path makes it Int64 (same values);
- rejected rows show a typed source column's parsed value (12.5 where the file wrote 12.50).
"""

from __future__ import annotations

import gzip
import math
from dataclasses import fields
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_series_equal

from core.errors import InputError
from core.ingest import load_orders
from core.ingest.quality import quality_report
from core.ingest.readers import read_table_noted
from core.ingest.text_types import column_types
from core.model.schema import ROLES, decoded
from tests.coded import as_text, same_table

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(
    p
    for folder in (ROOT / "tests" / "data", ROOT / "data")
    for p in folder.rglob("*")
    if p.suffix.lower() in (".csv", ".tsv", ".txt", ".gz")
)


def _load(data: bytes | Path, name: str, typed: bool, **kw):
    try:
        raw, notes = read_table_noted(data, name, typed=typed)
        return load_orders(raw, name=name, read_notes=notes, **kw), raw
    except InputError as exc:
        return str(exc), None


def _same_column(fast: pl.Series, text: pl.Series, canonical: bool) -> None:
    if canonical:  # a coded dimension is coded on both paths (its categories its own)
        assert isinstance(fast.dtype, pl.Categorical) == isinstance(text.dtype, pl.Categorical)
    fast, text = decoded(fast), decoded(text)
    if fast.dtype == text.dtype or canonical:
        assert_series_equal(fast, text, check_names=False)
    elif fast.dtype == pl.Date and text.dtype == pl.Utf8:
        assert_series_equal(fast.cast(pl.Utf8), text, check_names=False)
    elif fast.dtype.is_numeric() and text.dtype.is_numeric():
        assert_series_equal(fast.cast(pl.Float64), text.cast(pl.Float64), check_names=False)
    else:
        raise AssertionError(f"{fast.name}: {fast.dtype} (typed) vs {text.dtype} (text)")


def _same_frame(fast: pl.DataFrame, text: pl.DataFrame) -> None:
    assert fast.columns == text.columns
    assert fast.height == text.height
    canonical = {*ROLES, "source_row", "row", "reason"}
    for c in fast.columns:
        _same_column(fast[c], text[c], c in canonical)


def _same_rejected(fast: pl.DataFrame, text: pl.DataFrame) -> None:
    assert fast.columns == text.columns
    assert fast.select("row", "reason").equals(text.select("row", "reason"))
    fast, text = as_text(fast), as_text(text)
    for c in fast.columns[2:]:
        if fast[c].dtype == text[c].dtype:
            assert_series_equal(fast[c], text[c])
        else:  # the typed value is the text's value read
            assert text[c].dtype == pl.Utf8, c
            values = text[c].str.strip_chars()
            if fast[c].dtype == pl.Date:
                read = values.str.to_date("%Y-%m-%d", strict=False)
            else:
                read = values.cast(fast[c].dtype, strict=False)
            assert_series_equal(fast[c], read, check_names=False)


def assert_same_load(data: bytes | Path, name: str, **kw) -> pl.DataFrame | None:
    """load_orders on the typed read equals load_orders on the text read; the typed raw frame."""
    fast, raw = _load(data, name, True, **kw)
    text, _ = _load(data, name, False, **kw)
    if isinstance(text, str) or isinstance(fast, str):
        assert fast == text
        return raw
    assert fast.mapping == text.mapping
    assert fast.warnings == text.warnings
    _same_frame(fast.orders, text.orders)
    _same_frame(fast.returns, text.returns)
    _same_rejected(fast.rejected, text.rejected)
    q_fast, q_text = quality_report(fast), quality_report(text)
    for f in fields(q_fast):
        a, b = getattr(q_fast, f.name), getattr(q_text, f.name)
        if f.name == "rejected":
            _same_rejected(a, b)
        elif isinstance(a, pl.DataFrame):
            assert a.equals(b), f.name
        else:
            assert a == b, f.name
    return raw


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_text_file_loads_the_same_typed_or_as_text(path: Path) -> None:
    assert_same_load(path, path.name)
    assert_same_load(path, path.name, drop_duplicates=True)


@pytest.mark.parametrize("path", [p for p in FILES if p.stat().st_size], ids=lambda p: p.name)
def test_gzipped_files_load_the_same(path: Path) -> None:
    assert_same_load(gzip.compress(path.read_bytes()), path.name + ".gz")


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_path_reads_as_its_bytes_do(path: Path) -> None:
    # from a path, polars reads the file itself (checked piece by piece): the same table
    for typed in (True, False):
        try:
            by_path = read_table_noted(path, typed=typed)
        except InputError as exc:
            with pytest.raises(InputError) as raised:
                read_table_noted(path.read_bytes(), path.name, typed=typed)
            assert str(raised.value) == str(exc)
            continue
        by_bytes = read_table_noted(path.read_bytes(), path.name, typed=typed)
        assert same_table(by_path[0], by_bytes[0])
        assert by_path[1] == by_bytes[1]


def test_a_path_past_the_first_piece_is_checked_like_bytes(tmp_path, monkeypatch) -> None:
    from core.ingest import limits

    monkeypatch.setattr(limits, "CHUNK", 1 << 10)  # pieces of 1 KB: the file is many pieces
    lines = ["Customer ID,Order Date,Amount"] + [f"C{i},2024-01-02,{i}.5" for i in range(400)]
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(lines) + "\n")
    assert same_table(
        read_table_noted(path)[0], read_table_noted(path.read_bytes(), "orders.csv")[0]
    )
    # a long line after the first piece: named as the bytes path names it
    long = [*lines[:300], "C9," + "x" * 3000 + ",1", *lines[300:]]
    path.write_text("\n".join(long) + "\n")
    monkeypatch.setenv("CUSTOMER_PULSE_MAX_LINE_KB", "2")
    with pytest.raises(InputError, match="line 301 is longer than the limit of 2 KB"):
        read_table_noted(path)
    monkeypatch.delenv("CUSTOMER_PULSE_MAX_LINE_KB")
    # a byte that is not UTF-8 after the first piece: read as the bytes are (the line named)
    path.write_bytes(("\n".join(lines[:300]) + "\nC9,2024-01-02,1\xe9\n").encode("latin-1"))
    read, by_bytes = read_table_noted(path), read_table_noted(path.read_bytes(), "orders.csv")
    assert same_table(read[0], by_bytes[0]) and read[1] == by_bytes[1]
    assert "lines 301)" in read[1][0] and read[0]["Amount"][-1] == "1é"


def test_the_shipped_files_are_read_typed() -> None:
    # the fast path is taken where it can be: the sample and an ISO export
    raw, _ = read_table_noted(ROOT / "data" / "orders.csv")
    assert raw.schema["Order Date"] == pl.Date
    assert raw.schema["Line Total"] == pl.Float64
    assert raw.schema["Customer ID"] == pl.Utf8  # an id keeps its text
    raw, _ = read_table_noted(ROOT / "data" / "orders.csv", typed=False)
    assert set(raw.schema.values()) == {pl.Utf8}


# ---------------------------------------------------------------- a hard value deep in the file

LINES = 30_000


def _generated(
    amount_at: str = "", date_at: str = "", cust_at: str = "", qty_at: str = ""
) -> bytes:
    """A clean orders file of LINES lines; line 30,000 (row 30,000) gets the given values."""
    rows = ["Order ID,Order Date,Customer ID,Quantity,Amount,Ship Date,Weight"]
    for i in range(1, LINES):
        day = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"
        rows.append(f"O{i},{day},{1000 + i % 700},{1 + i % 4},{10 + i % 97}.{i % 100:02d},{day},7")
    i = LINES
    rows.append(
        f"O{i},{date_at or '2024-03-03'},{cust_at or 1001},{qty_at or 2},"
        f"{amount_at or '12.50'},2024-03-04,8"
    )
    return ("\n".join(rows) + "\n").encode()


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("abc", "unreadable amount"),
        ("1.2.3", "unreadable amount"),
        ("$12.50", None),  # a currency symbol: the text path reads it, so must this
        ("NaN", "amount is not a number (NaN or infinite)"),
        ("inf", "amount is not a number (NaN or infinite)"),
        ("-Infinity", "amount is not a number (NaN or infinite)"),
        ("1e5", None),
        ("+5", None),
        (".5", None),
        ("5.", None),
        (" 12.5", None),
        ('"12.5 "', None),
        ("0012.50", None),
        ("1,234.50", None),
        ("99999999999999999999", None),
        ('" "', "missing amount"),
    ],
)
def test_a_hard_amount_at_line_30000_is_read_or_set_aside_as_on_the_text_path(
    amount: str, reason: str | None
) -> None:
    assert_same_load(_generated(amount_at=amount), "deep.csv")
    loaded = load_orders(_generated(amount_at=amount), name="deep.csv")
    rejected = loaded.rejected.filter(pl.col("row") == LINES + 1)
    assert rejected["reason"].to_list() == ([reason] if reason else [])


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2024-02-30", "unreadable order date"),
        ("0999-01-01", "unreadable order date"),
        ("2024-13-01", "unreadable order date"),
        ("2099-01-01", "implausible order date"),
        ("2024/01/03", "unreadable order date"),  # polars' CSV reader would take it
        ("24-01-03", "unreadable order date"),  # ... as the year 24
        ("24-03-03", "unreadable order date"),
        ("2024-03-03 10:00", None),
        ("2024-3-3", None),
        ('" "', "missing order date"),
        ('""', "missing order date"),
    ],
)
def test_a_hard_date_at_line_30000_is_read_or_set_aside_as_on_the_text_path(
    value: str, reason: str | None
) -> None:
    data = _generated(date_at=value)
    assert_same_load(data, "deep.csv")
    rejected = load_orders(data, name="deep.csv").rejected.filter(pl.col("row") == LINES + 1)
    assert rejected["reason"].to_list() == ([reason] if reason else [])


def test_a_date_that_does_not_read_keeps_its_column_text_and_the_numbers_typed() -> None:
    raw, _ = read_table_noted(_generated(date_at="2024/01/03"))
    assert raw.schema["Order Date"] == pl.Utf8 and raw["Order Date"][LINES - 1] == "2024/01/03"
    assert raw.schema["Ship Date"] == pl.Date and raw.schema["Amount"] == pl.Float64
    raw, _ = read_table_noted(_generated(date_at='" "'))  # a blank date is a missing one
    assert raw.schema["Order Date"] == pl.Date and raw["Order Date"][LINES - 1] is None


def test_ids_numeric_in_the_sample_keep_a_leading_zero_later() -> None:
    data = _generated(cust_at="007")
    raw = assert_same_load(data, "deep.csv")
    assert raw.schema["Customer ID"] == pl.Utf8 and raw.schema["Order ID"] == pl.Utf8
    orders = load_orders(data, name="deep.csv").orders
    assert orders.filter(pl.col("source_row") == LINES + 1)["customer_id"].to_list() == ["007"]


def test_a_column_the_user_gives_a_text_role_stays_text() -> None:
    # "Weight" is typed (7 in every sampled line); mapped as the customer id it keeps its text
    data = _generated()
    at = data.rfind(b",7\n")  # line 29,999
    data = data[:at] + b",007\n" + data[at + 3 :]
    roles = {"customer_id": "Weight"}
    assert read_table_noted(data)[0].schema["Weight"] == pl.Int64
    assert read_table_noted(data, roles=roles)[0].schema["Weight"] == pl.Utf8
    fast = load_orders(data, name="deep.csv", overrides=roles)
    raw, notes = read_table_noted(data, "deep.csv", typed=False)
    text = load_orders(raw, name="deep.csv", overrides=roles, read_notes=notes)
    _same_frame(fast.orders, text.orders)
    assert fast.warnings == text.warnings
    assert sorted(fast.orders["customer_id"].unique()) == ["007", "7", "8"]


@pytest.mark.parametrize("qty", ["0003", "+3", " 3", "3.0", "3e0", "-0", "99999999999999999999"])
def test_a_hard_quantity_at_line_30000(qty: str) -> None:
    assert_same_load(_generated(qty_at=qty), "deep.csv")


def test_the_generated_file_is_typed_and_falls_back_to_text_on_a_bad_value() -> None:
    raw, _ = read_table_noted(_generated())
    assert raw.schema["Amount"] == pl.Float64 and raw.schema["Quantity"] == pl.Int64
    assert raw.schema["Order Date"] == pl.Date and raw.schema["Ship Date"] == pl.Date
    raw, _ = read_table_noted(_generated(amount_at="abc"))
    assert set(raw.schema.values()) == {pl.Utf8}
    assert raw["Amount"][LINES - 1] == "abc"


# ---------------------------------------------------------------- which columns are typed


def _types(**columns: list[str | None]) -> dict[str, pl.DataType]:
    sample = pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.Utf8))
    return dict(zip(sample.columns, column_types(sample), strict=True))


def test_only_plain_numbers_and_iso_dates_are_typed() -> None:
    t = _types(
        total=["1.5", "-2", "0.25", None, ""],
        qty=["1", "2", "-3", "0", None],
        lead=["0123", "5", "6", "7", "8"],
        lead2=["00.5", "1.5", "2", "3", "4"],
        plus=["+5", "1", "2", "3", "4"],
        dot=[".5", "1", "2", "3", "4"],
        exp=["1e5", "1", "2", "3", "4"],
        nan=["NaN", "1", "2", "3", "4"],
        inf=["inf", "1", "2", "3", "4"],
        space=[" 12.5", "1", "2", "3", "4"],
        thousands=["1,234", "1", "2", "3", "4"],
        money=["$5", "1", "2", "3", "4"],
        comma=["1,5", "2,5", "3", "4", "5"],
        huge=["1234567890123456789012", "1", "2", "3", "4"],
        day=["2024-01-31", "2024-02-01", None, "2023-12-31", "2024-03-01"],
        stamp=["2024-01-31 10:00", "2024-02-01", None, "2023-12-31", "2024-03-01"],
        blank=[None, None, "", None, None],
    )
    assert t == {
        "total": pl.Float64,
        "qty": pl.Int64,
        "day": pl.Date,
    } | {c: pl.Utf8 for c in t if c not in ("total", "qty", "day")}


def test_ids_codes_and_number_dates_stay_text() -> None:
    t = _types(
        **{
            "Customer ID": ["1", "2", "3"],
            "Order Number": ["10", "11", "12"],
            "SKU": ["5", "6", "7"],
            "Order Date": ["20240101", "20240102", "20240103"],
            "Postcode": ["123456", "234567", "345678"],
            "Price": ["1.5", "2", "3"],
        }
    )
    assert t == {
        "Customer ID": pl.Utf8,
        "Order Number": pl.Utf8,
        "SKU": pl.Utf8,
        "Order Date": pl.Utf8,
        "Postcode": pl.Utf8,
        "Price": pl.Float64,
    }


def test_decimals_stay_text_when_undecided_day_month_dates_may_need_them() -> None:
    # every date fits day/month and month/day: core.ingest may decide by the decimal point
    t = _types(Date=["01/02/2024", "03/04/2024", "05/06/2024"], Price=["1.5", "2.25", "3"])
    assert t == {"Date": pl.Utf8, "Price": pl.Utf8}
    t = _types(Date=["13/02/2024", "03/04/2024", "05/06/2024"], Price=["1.5", "2.25", "3"])
    assert t == {"Date": pl.Utf8, "Price": pl.Float64}
    # the load agrees with the text path either way (here the decimal point decides: m/d)
    rows = ["Order Date,Customer,Total"] + [
        f"{1 + i % 12:02d}/{1 + (i * 7) % 12:02d}/2024,C{i % 9},{i}.5" for i in range(60)
    ]
    assert_same_load(("\n".join(rows) + "\n").encode(), "ambiguous.csv")


def test_an_iso_date_column_is_read_with_the_users_format_on_the_text_path() -> None:
    # a typed date would be read as ISO whatever the user says: load_orders on a path or
    # bytes reads as text when the user gives the date format
    data = _generated()
    text, _ = _load(data, "deep.csv", False, date_format="%Y-%d-%m")
    direct = load_orders(data, name="deep.csv", date_format="%Y-%d-%m")
    _same_frame(direct.orders, text.orders)
    assert direct.warnings == text.warnings
    assert direct.orders["order_date"].dt.day().max() == 12  # read as year-day-month


def test_whole_numbers_stay_exact_and_the_float_path_is_float() -> None:
    raw, _ = read_table_noted(b"Customer,Total,Qty\nA,1.5,2\nB,2.5,3\n")
    assert raw["Total"].to_list() == [1.5, 2.5] and raw["Qty"].to_list() == [2, 3]
    assert not any(isinstance(v, float) and math.isnan(v) for v in raw["Total"])
