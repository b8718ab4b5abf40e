"""Exact duplicate rows: counted by the quality report, dropped only on request."""

from __future__ import annotations

from core.ingest import load_orders
from core.ingest.quality import quality_report

FILE = (
    b"Order ID,Order Date,Customer ID,Amount\n"
    b"1,2026-01-02,a,10\n"  # line 2
    b"1,2026-01-02,a,10\n"  # line 3: a copy of line 2
    b"2,2026-01-03,b,5\n"
    b"2,2026-01-03,b,6\n"  # same order, other amount: not a duplicate
    b"1,2026-01-02,a,10\n"  # line 6: another copy of line 2
)


def test_kept_by_default():
    loaded = load_orders(FILE, name="d.csv")
    assert loaded.orders["revenue"].sum() == 10 + 10 + 5 + 6 + 10
    assert quality_report(loaded).duplicate_rows == 2


def test_dropped_on_request_keeps_the_first_copy_and_the_count():
    loaded = load_orders(FILE, name="d.csv", drop_duplicates=True)
    assert loaded.orders["revenue"].sum() == 10 + 5 + 6
    assert sorted(loaded.orders["source_row"].to_list()) == [2, 4, 5]
    assert quality_report(loaded).duplicate_rows == 2  # the file as read still had them
    assert "2 exact duplicate rows dropped" in loaded.warnings[-1]


def test_duplicate_count_compares_candidates_cell_by_cell():
    import math

    import polars as pl

    from core.ingest.duplicates import duplicate_count

    nan = float("nan")
    df = pl.DataFrame(
        {
            "a": [0.0, -0.0, nan, nan, None, None, 1.0, 1.0, 2.0],
            "b": ["x", "x", "y", "y", None, None, "z", "w", "v"],
        }
    )
    # the cell-by-cell count (polars' unique): 0.0 = -0.0, NaN = NaN, null = null; (1, z) and
    # (1, w) differ
    assert duplicate_count(df) == df.height - df.unique().height == 3
    assert duplicate_count(df.clear()) == 0
    assert not math.isnan(duplicate_count(df.head(1)))


def test_duplicate_count_equals_a_count_of_distinct_rows_on_every_test_file():
    from pathlib import Path

    from core.errors import InputError
    from core.ingest.duplicates import duplicate_count

    root = Path(__file__).resolve().parents[2]
    files = [*root.glob("data/*.csv"), *root.glob("tests/data/**/*.csv")]
    checked = 0
    for path in files:
        try:
            raw = load_orders(path).raw
        except InputError:
            continue
        distinct = len(set(raw.iter_rows()))  # Python's tuples: None = None
        assert duplicate_count(raw) == raw.height - distinct, path.name
        checked += 1
    assert checked >= 10


def test_recurring_mask_is_is_duplicated():
    """The sorted lookup marks exactly the values is_duplicated marks: on row hashes of every
    test file and on hand-made series (repeats at the ends, one value, none)."""
    from pathlib import Path

    import polars as pl

    from core.errors import InputError
    from core.ingest.duplicates import recurring_mask

    def same(values: pl.Series) -> None:
        mask = recurring_mask(values)
        want = values.is_duplicated()
        if mask is None:
            assert not want.any()
        else:
            assert mask.to_list() == want.to_list()

    for values in ([], [7], [1, 2, 3], [3, 1, 3], [5, 5, 5, 1], [1, 2, 2], [0, 2**64 - 1, 0]):
        same(pl.Series(values, dtype=pl.UInt64))
    root = Path(__file__).resolve().parents[2]
    checked = 0
    for path in [*root.glob("data/*.csv"), *root.glob("tests/data/**/*.csv")]:
        try:
            raw = load_orders(path).raw
        except InputError:
            continue
        same(raw.hash_rows())
        same(raw.select(raw.columns[:1]).hash_rows())  # one column: many repeats
        checked += 1
    assert checked >= 10
