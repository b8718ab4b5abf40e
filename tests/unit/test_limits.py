"""Input limits, checked while reading: a gzip bomb stops at the size limit, a single-line CSV
with millions of columns and a 10,000-column file are refused at once, each with one sentence
naming the limit and how to raise it. Also: clear messages for a stray quote (with its line) and
an Excel workbook whose first sheet is empty (the first sheet holding a table is read, and said)."""

from __future__ import annotations

import io
import json
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from core.__main__ import main
from core.errors import InputError
from core.ingest import load_orders, read_table
from core.ingest.limits import MAX_COLUMNS, MAX_FILE_MB, MAX_LINE_KB, Limits

HEADER = b"customer_id,order_date,revenue\n"
ROWS = b"a,2024-01-01,10\nb,2024-01-02,20\n"


def _gzip_of_zeros(megabytes: int) -> bytes:
    """A gzip member of `megabytes` MB of zeros, built without holding them (about 1000:1)."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    return b"".join(c.compress(block) for _ in range(megabytes)) + c.flush()


def test_gzip_bomb_stops_at_the_limit(monkeypatch) -> None:
    monkeypatch.setenv(MAX_FILE_MB, "8")
    bomb = _gzip_of_zeros(200)  # 200 MB once decompressed, about 200 KB on disk
    assert len(bomb) < 1_000_000
    tracemalloc.start()
    with pytest.raises(InputError) as err:
        read_table(bomb, "bomb.csv.gz")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 40 * 1024 * 1024  # the bomb never inflates past the limit (plus one chunk)
    msg = str(err.value)
    assert "larger than the limit of 8 MB once decompressed" in msg
    assert MAX_FILE_MB in msg and "secrets.toml" in msg and "bomb.csv.gz" in msg


def test_gzip_with_several_members_reads_them_all() -> None:
    data = zlib.compressobj(6, zlib.DEFLATED, 31)
    first = data.compress(HEADER + ROWS) + data.flush()
    second = zlib.compressobj(6, zlib.DEFLATED, 31)
    more = second.compress(b"c,2024-01-03,30\n") + second.flush()
    df = read_table(first + more, "orders.csv.gz")
    assert df["customer_id"].to_list() == ["a", "b", "c"]


def test_damaged_gzip_is_named() -> None:
    data = zlib.compressobj(6, zlib.DEFLATED, 31)
    whole = data.compress(HEADER + ROWS * 1000) + data.flush()
    with pytest.raises(InputError, match="gzip file is damaged"):
        read_table(whole[: len(whole) // 2], "cut.csv.gz")


def test_plain_file_over_the_limit(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv(MAX_FILE_MB, "0.001")  # about 1 KB
    path = tmp_path / "big.csv"
    path.write_bytes(HEADER + ROWS * 100)
    with pytest.raises(InputError, match=f"larger than the limit .*{MAX_FILE_MB}"):
        read_table(path)


def test_a_5mb_single_line_is_refused_at_once() -> None:
    line = b",".join(b"c%d" % i for i in range(1_000_000))  # about 6.9 MB, one line
    t0 = time.perf_counter()
    with pytest.raises(InputError) as err:
        read_table(line, "one_line.csv")
    assert time.perf_counter() - t0 < 5
    assert "line 1 is longer than the limit of 256 KB" in str(err.value)
    assert MAX_LINE_KB in str(err.value)


def test_10000_columns_are_refused_at_once(monkeypatch) -> None:
    header = ",".join(f"col{i}" for i in range(10_000)).encode() + b"\n"
    body = (",".join(["1"] * 10_000).encode() + b"\n") * 100  # about 2 MB
    t0 = time.perf_counter()
    with pytest.raises(InputError) as err:
        read_table(header + body, "wide.csv")
    assert time.perf_counter() - t0 < 5
    assert "10,000 columns, more than the limit of 500" in str(err.value)
    assert MAX_COLUMNS in str(err.value)
    monkeypatch.setenv(MAX_COLUMNS, "20000")  # raised: now it reads
    assert read_table(header + body[:40_000], "wide.csv").width == 10_000


def test_a_long_line_is_named_by_its_number() -> None:
    data = HEADER + ROWS + b"c,2024-01-03," + b"9" * 300_000 + b"\n" + ROWS
    with pytest.raises(InputError, match="line 4 is longer than the limit"):
        read_table(data, "x.csv")


def test_limits_across_chunk_boundaries(monkeypatch) -> None:
    """Line lengths add up across the 16 MB chunks the scan uses."""
    monkeypatch.setenv(MAX_LINE_KB, "100")
    filler = (b"a,2024-01-01,10" + b" " * 80 + b"\n") * ((1 << 24) // 96)
    data = HEADER + filler + b"x" * 60_000 + b"y" * 60_000 + b"\n"
    line = 1 + filler.count(b"\n") + 1
    with pytest.raises(InputError, match=f"line {line:,} is longer"):
        read_table(data, "x.csv")


def test_zip_bomb_workbook_is_refused(monkeypatch) -> None:
    monkeypatch.setenv(MAX_FILE_MB, "5")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b" " * (50 << 20))
    with pytest.raises(InputError, match="larger than the limit of 5 MB"):
        read_table(buf.getvalue(), "bomb.xlsx")


def test_wide_parquet_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "wide.parquet"
    pl.DataFrame({f"c{i}": [1] for i in range(600)}).write_parquet(path)
    with pytest.raises(InputError, match="600 columns, more than the limit of 500"):
        read_table(path)


@pytest.mark.parametrize("value", ["lots", "-1", "0"])
def test_a_bad_limit_setting_is_named(monkeypatch, value: str) -> None:
    monkeypatch.setenv(MAX_COLUMNS, value)
    with pytest.raises(InputError, match=MAX_COLUMNS):
        Limits.from_env()


def test_cli_names_the_limit_in_one_line(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bomb.csv.gz"
    path.write_bytes(_gzip_of_zeros(400))
    assert main(["report", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")
    assert "limit of 300 MB" in err[0] and MAX_FILE_MB in err[0]


# ---------------------------------------------------------------- clear messages
@pytest.mark.parametrize(
    ("body", "line"),
    [
        (b'a,2024-01-01,10\nb,2024-01-02,"20\nc,2024-01-03,30\n', 3),
        (b'a,2024-01-01,10\nb"x,2024-01-02,20\nc,2024-01-03,30\n', 3),
    ],
)
def test_stray_quote_names_its_line(body: bytes, line: int) -> None:
    with pytest.raises(InputError) as err:
        read_table(HEADER + body, "quotes.csv")
    assert f'stray quote (") on line {line}' in str(err.value)
    assert "quotes.csv" in str(err.value)


def _workbook(path: Path) -> Path:
    wb = xlsxwriter.Workbook(path)
    wb.add_worksheet("Notes")
    wb.add_worksheet("Empty too")
    ws = wb.add_worksheet("Orders")
    rows = [
        ["customer_id", "order_date", "revenue"],
        ["a", "2024-01-01", 10],
        ["b", "2024-01-02", 20],
    ]
    for r, row in enumerate(rows):
        ws.write_row(r, 0, row)
    wb.close()
    return path


def test_excel_with_empty_first_sheets_reads_the_first_table(tmp_path: Path, capsys) -> None:
    path = _workbook(tmp_path / "book.xlsx")
    loaded = load_orders(path)
    assert loaded.orders.height == 2
    note = loaded.warnings[0]
    assert "'Notes', 'Empty too'" in note and "read sheet 'Orders'" in note
    assert main(["report", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["orders"] == 2 and any("read sheet 'Orders'" in w for w in report["warnings"])


def test_excel_named_empty_sheet_says_so(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "book.xlsx")
    with pytest.raises(InputError, match="the sheet 'Notes' is empty"):
        read_table(path, sheet="Notes")
    with pytest.raises(InputError, match="no sheet 'Nope'"):
        read_table(path, sheet="Nope")


def _naive_long_line(data: bytes, limit: int) -> int | None:
    """The first line (1 = header) longer than `limit` bytes, by splitting: the reference."""
    for number, line in enumerate(data.split(b"\n"), start=1):
        if len(line) > limit:
            return number
    return None


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("piece", [7, 64, 1 << 20])
def test_line_check_finds_the_first_long_line_like_splitting(seed: int, piece: int) -> None:
    """Lines of random lengths around the limit, fed whole or in pieces of any size: the first
    line over the limit is the one splitting the bytes finds, or none."""
    import random

    from core.ingest.limits import Limits, LineCheck

    rng = random.Random(seed)
    limit = rng.choice([1, 2, 5, 16, 33])
    lines = [b"x" * rng.randint(0, limit + (1 if rng.random() < 0.05 else 0)) for _ in range(60)]
    data = b"\n".join(lines) + (b"\n" if rng.random() < 0.5 else b"")
    limits = Limits(max_bytes=1 << 30, max_columns=500, max_line_bytes=limit)
    expected = _naive_long_line(data, limit)
    check = LineCheck("f.csv", limits, data)
    if expected is None:
        for start in range(0, len(data), piece):
            check.feed(data[start : start + piece])
        return
    with pytest.raises(InputError, match=f"line {expected:,} is longer than the limit"):
        for start in range(0, len(data), piece):
            check.feed(data[start : start + piece])
