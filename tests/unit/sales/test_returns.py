"""Revenue by shipping status and returns (core.sales.returns)."""

from __future__ import annotations

import polars as pl
import pytest

from core import sales
from core.errors import InputError


def test_status_breakdown(orders):
    t = sales.status_breakdown(orders)
    # delivered 100+50+200+60+90+80 = 580 over o1 o2 o4 o6 o8; returned 50+30; cancelled 40
    assert t.select("status", "revenue", "orders", "lines").rows() == [
        ("delivered", 580.0, 5, 6),
        ("returned", 80.0, 2, 2),
        ("cancelled", 40.0, 1, 1),
    ]
    with pytest.raises(InputError, match="status"):
        sales.status_breakdown(orders.drop("status"))


def test_returns_by_product_and_category(orders):
    t = sales.returns_by(orders, "product")
    # P3 returned 50 of 140, P2 30 of 120, P1 none of 440
    assert t["value"].to_list() == ["P3", "P2", "P1"]
    assert t["return_rate"].to_list() == pytest.approx([50 / 140, 0.25, 0.0])
    assert t["share_of_returns"].to_list() == pytest.approx([0.625, 0.375, 0.0])
    c = sales.returns_by(orders, "category")
    assert c.row(0, named=True)["return_rate"] == pytest.approx(80 / 260)  # Cat2


def test_status_labels_in_words(orders):
    t = sales.label_statuses(sales.status_breakdown(orders))
    assert t["status"].to_list() == ["Delivered", "Returned", "Cancelled"]
    other = pl.DataFrame({"status": ["in_transit", "unknown", "(missing)", "lost"]})
    assert sales.label_statuses(other)["status"].to_list() == [
        "In transit", "Unknown", "(missing)", "lost",
    ]  # fmt: skip


def test_leakage_states_and_tables(orders):
    leak = sales.leakage(orders)
    assert leak.state == "shown"
    # Delivered 580, Returned 80, Cancelled 40 (test_status_breakdown's figures, labelled)
    assert leak.by_status.select("status", "revenue").rows() == [
        ("Delivered", 580.0),
        ("Returned", 80.0),
        ("Cancelled", 40.0),
    ]
    assert leak.by_product["value"].to_list() == ["P3", "P2", "P1"]
    assert leak.by_category.row(0, named=True)["return_rate"] == pytest.approx(80 / 260)
    assert sales.leakage(orders.drop("status")).state == "no_status"
    kept = orders.filter(pl.col("status") == "delivered")
    assert sales.leakage(kept).state == "none"
    assert sales.leakage(orders.drop("category")).by_category is None
