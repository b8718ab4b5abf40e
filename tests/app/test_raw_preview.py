"""The Data page's file as read (views.loading.raw_table) without a second read of the whole
file: a text file's head is decompressed and read alone, a workbook or Parquet file's table as
read is taken from its Loaded. Each is checked equal to read_table(the whole file, rows=...),
the table (or the error) the page showed before, on every test file."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest
from polars.testing import assert_frame_equal

import views.loading as loading
from core.errors import InputError
from core.ingest import load_orders
from core.ingest.readers import read_table
from tests.coded import as_text

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(
    p
    for p in [*ROOT.glob("data/*"), *ROOT.glob("tests/data/**/*")]
    if p.is_file() and p.suffix.lower() in {".csv", ".txt", ".tsv", ".xlsx", ".gz", ".parquet"}
)
QUOTED = b'id,note,amount\n1,"two\nlines",3\n2,plain,4\n3,"and\nmore\nlines",5\n4,x,6\n'


def _zstd_stream(data: bytes) -> pa.CompressedInputStream:
    """The stream raw_table reads an upload's head from (views.loading.stash's compression)."""
    packed = pa.compress(data, codec="zstd", asbytes=True)
    return pa.CompressedInputStream(pa.BufferReader(packed), "zstd")


def _outcome(read) -> pl.DataFrame | str:
    try:
        return read()
    except InputError as exc:
        return f"InputError: {exc}"


def _same(data: bytes, name: str) -> None:
    rows = loading.PREVIEW_ROWS
    want = _outcome(lambda: read_table(data, name, None, rows=rows))
    for stream in (_zstd_stream(data), io.BytesIO(data)):
        got = _outcome(
            lambda s=stream: loading._read_raw_fn(
                "digest",
                name,
                None,
                len(data),
                lambda: loading.head_lines(s, name, rows + 1),
                lambda: data,
            )
        )
        if isinstance(want, str) or isinstance(got, str):
            assert got == want, name
        else:
            assert_frame_equal(got, want)


@pytest.mark.parametrize("rows", [10_000, 7, 1])
@pytest.mark.parametrize("chunk", [1 << 20, 5])
def test_head_read_equals_the_whole_file_s_preview(monkeypatch, rows, chunk):
    monkeypatch.setattr(loading, "PREVIEW_ROWS", rows)
    monkeypatch.setattr(loading, "_HEAD_CHUNK", chunk)  # several pieces per head
    assert len(FILES) >= 15
    for path in FILES:
        _same(path.read_bytes(), path.name)
    # a cut inside a quoted cell (read whole), gzip, empty, blank, no newline at the end
    for data, name in [
        (QUOTED, "q.csv"),
        (gzip.compress(QUOTED), "q.csv.gz"),
        (gzip.compress(QUOTED), "q.csv"),
        (b"", "e.csv"),
        (b"\n\n  \n", "b.csv"),
        (b"a,b\n1,2\n3,4", "n.csv"),
        ("ä;b\n1,5;2\n".encode("cp1252"), "c.csv"),
    ]:
        _same(data, name)


def test_too_big_is_said_as_before(monkeypatch):
    monkeypatch.setenv("CUSTOMER_PULSE_MAX_FILE_MB", "0.00001")  # 10 bytes
    data = (ROOT / "data" / "orders.csv").read_bytes()
    _same(data, "orders.csv")
    with pytest.raises(InputError, match="CUSTOMER_PULSE_MAX_FILE_MB"):
        read_table(data, "orders.csv", rows=loading.PREVIEW_ROWS)


def test_head_lines_stops_after_the_lines_it_needs():
    data = b"".join(f"{i},x\n".encode() for i in range(100_000))
    head = loading.head_lines(_zstd_stream(data), "big.csv", 10)
    assert data.startswith(head)
    assert head.count(b"\n") >= 10
    assert len(head) <= loading._HEAD_CHUNK
    assert loading.head_lines(io.BytesIO(data), "big.parquet", 10) is None
    assert loading.head_lines(io.BytesIO(gzip.compress(data)), "big.csv", 10) is None


@pytest.mark.parametrize("suffix", ["parquet", "xlsx"])
def test_a_workbook_or_parquet_file_s_table_as_read_serves(tmp_path, suffix, monkeypatch):
    monkeypatch.setattr(loading, "PREVIEW_ROWS", 50)
    sample = read_table(ROOT / "data" / "orders.csv", typed=True)
    path = tmp_path / f"orders.{suffix}"
    if suffix == "parquet":
        sample.write_parquet(path)
    else:
        sample.write_excel(path)
    data = path.read_bytes()
    loaded = load_orders(data, name=path.name)
    src = loading.Source.of(path.name, data)
    got = loading.raw_table(src, loaded)
    # (the orders' dimensions are coded in the table as read: the same text)
    assert_frame_equal(as_text(got), as_text(read_table(data, path.name, rows=50)))
    assert got.height == 50
