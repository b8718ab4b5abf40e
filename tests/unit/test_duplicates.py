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
