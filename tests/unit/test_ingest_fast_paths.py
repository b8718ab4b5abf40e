"""The ingest's fast paths give what the full checks give (issue 15: the checks stay).

Each fast path skips work when a cheap pass shows it would change nothing; these tests put the
values that must take the full path next to ones that need not, and compare with the full path.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core.errors import InputError
from core.ingest import load_orders
from core.ingest.identity import normalise_id_expr, normalise_ids
from core.ingest.readers import read_table, trimmed
from core.ingest.returns import cancellation_prefix
from tests.coded import same_table

ROOT = Path(__file__).resolve().parents[2]
TRICKY_IDS = [
    "abc", " abc", "abc ", "A B", "x@y.com", "X@Y.com", "N/A", "na", "NaN", "-", "--", "?",
    "", "(blank)", "NULL", "none", "#N/A", "nana", "\uff21\uff22", "a\u200bb", "\u00c4", "a\tb",
    "12345", "C-001", "e\u0301", "\u3000x",
]  # fmt: skip


@pytest.mark.parametrize("value", TRICKY_IDS)
def test_an_id_normalises_the_same_on_either_path(value: str) -> None:
    full = pl.DataFrame({"r": [value]}).select(normalise_id_expr("r")).item()
    alone, _ = normalise_ids(pl.Series([value]))
    with_clean, _ = normalise_ids(pl.Series(["C1", value, "C2"]))
    assert alone[0] == full
    assert with_clean.to_list() == ["C1", full, "C2"]


def test_clean_ids_are_kept_and_numbers_become_text() -> None:
    ids, merge = normalise_ids(pl.Series([17850, None, 13047]))
    assert ids.to_list() == ["17850", None, "13047"]
    assert merge.merged == 0


def test_cancellation_prefix_needs_c_invoices() -> None:
    assert cancellation_prefix(pl.Series(["536365", "C536379", " c536380 ", "536366"])) == "C"
    assert cancellation_prefix(pl.Series(["536365", "536366"])) is None
    assert cancellation_prefix(pl.Series(["C-1", "ORD-2"])) is None


def _shop_lines(orders: int, first_line_only: bool) -> pl.DataFrame:
    """Orders of three lines each; the amount an order total on the first line (Shopify) or a
    line amount on every line."""
    rng = np.random.default_rng(7)
    n = orders * 3
    order = np.repeat(np.arange(orders), 3)
    amount = rng.integers(5, 500, n).astype(float)
    if first_line_only:
        amount = np.where(np.arange(n) % 3 == 0, amount, np.nan)
    return pl.DataFrame(
        {
            "Name": [f"#{o}" for o in order],
            "Created at": ["2024-05-01"] * n,
            "Email": [f"c{o % 5000}@shop.test" for o in order],
            "Total": amount,
        }
    ).with_columns(pl.col("Total").fill_nan(None))


@pytest.mark.parametrize("first_line_only", [True, False])
def test_order_totals_are_found_in_a_large_file(first_line_only: bool) -> None:
    """Above 50k lines an eighth of the orders is looked at first; a file whose totals are on
    the first lines is still read as order totals, and one with line amounts is not."""
    df = _shop_lines(20_000, first_line_only)
    loaded = load_orders(df, name="orders.csv")
    assert (loaded.notes.get("order_total") is not None) is first_line_only
    expected = df["Total"].sum()
    assert loaded.orders["revenue"].sum() == pytest.approx(expected)
    assert loaded.orders.height == df.height


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_text_cells_are_read_stripped_and_blank_ones_missing(fmt: str) -> None:
    df = pl.DataFrame(
        {
            "Customer ID": ["C1", "C2", "C3"],
            "Order Date": ["2024-01-02"] * 3,
            "Amount": [1.0, 2.0, 3.0],
            "Product": [" Lamp", "Mug\t", "Lamp"],
            "Region": ["North", "South", "North"],
            "Channel": ["Web\u00a0", "Web", "Shop"],
            "Note": ["  ", "ok ", "\t"],
        }
    )
    buf = io.BytesIO()
    df.write_csv(buf) if fmt == "csv" else df.write_parquet(buf)
    loaded = load_orders(buf.getvalue(), name=f"orders.{fmt}")
    orders = loaded.orders.sort("customer_id")
    assert orders["product"].to_list() == ["Lamp", "Mug", "Lamp"]
    assert orders["region"].to_list() == ["North", "South", "North"]
    assert orders["channel"].to_list() == ["Web", "Web", "Shop"]
    assert loaded.raw["Note"].to_list() == [None, "ok", None]


def test_trimmed_leaves_clean_text_alone() -> None:
    df = pl.DataFrame({"a": ["x", "y z", None], "b": [1, 2, 3]})
    assert trimmed(df).equals(df)
    padded = pl.DataFrame({"a": [" x", "", "\u00a0y\u3000"]})
    assert trimmed(padded)["a"].to_list() == ["x", None, "y"]


PREVIEWED = sorted(
    p
    for folder in (ROOT / "tests" / "data", ROOT / "data")
    for p in folder.rglob("*")
    if p.suffix.lower() in (".csv", ".tsv", ".txt", ".gz", ".parquet", ".xlsx")
)


@pytest.mark.parametrize("path", PREVIEWED, ids=lambda p: p.name)
@pytest.mark.parametrize("rows", [1, 3, 50])
def test_a_preview_is_the_head_of_the_whole_table(path: Path, rows: int) -> None:
    """read_table(rows=n) reads only the head of a text or Parquet file: the same rows (and
    errors) as reading it all and keeping the first n."""
    data = path.read_bytes()
    try:
        whole = read_table(data, path.name).head(rows)
    except InputError as exc:
        with pytest.raises(InputError, match=re.escape(str(exc).split(":")[0])):
            read_table(data, path.name, rows=rows)
        return
    assert_frame_equal(read_table(data, path.name, rows=rows), whole)


def test_a_preview_cut_inside_a_quoted_cell_reads_on() -> None:
    data = b'id,note\n1,"two\nlines"\n2,plain\n'
    assert read_table(data, "notes.csv", rows=1).to_dicts() == [{"id": "1", "note": "two\nlines"}]


@pytest.mark.parametrize("kind", ["utf8", "cp1252", "mixed", "long line"])
def test_a_large_file_read_from_its_path_reads_like_its_bytes(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the first piece a path is line-checked on a memory map and polars checks the
    encoding while parsing: a file in another encoding, with a few cp1252 lines late on, or with
    a long line late on reads (or is refused) exactly as its bytes are."""
    import core.ingest.limits as L
    from core.ingest.readers import read_table_noted

    monkeypatch.setattr(L, "CHUNK", 1024)  # "large": more than one piece
    monkeypatch.setenv(L.MAX_LINE_KB, "1")
    rows = ["Customer ID,Order Date,Amount,Product"]
    rows += [f"C{i},2024-01-0{1 + i % 9},{i}.5,Caf\u00e9 {i % 3}" for i in range(400)]
    text = "\n".join(rows) + "\n"
    data = text.encode("cp1252" if kind == "cp1252" else "utf-8")
    if kind == "mixed":
        data = data.replace(b"C350,", "C350,\u00e9x".encode("cp1252"), 1)
    if kind == "long line":
        data = data.replace(b"C350,", b"C350," + b"x" * 2000, 1)
    path = tmp_path / "orders.csv"
    path.write_bytes(data)

    def read(source):
        try:
            return read_table_noted(source, "orders.csv")
        except InputError as exc:
            return str(exc)

    by_path, by_bytes = read(path), read(data)
    if isinstance(by_bytes, str):
        assert by_path == by_bytes
        assert "line 352 is longer" in by_bytes
        return
    assert same_table(by_path[0], by_bytes[0])
    assert by_path[1] == by_bytes[1]
    assert ("lines are not UTF-8" in " ".join(by_bytes[1])) is (kind == "mixed")
