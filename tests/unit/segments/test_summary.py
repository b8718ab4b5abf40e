"""Figures per group and top products (core.segments.summary)."""

from __future__ import annotations

import polars as pl
import pytest

from core import segments as sg
from core.errors import InputError
from tests.unit.segments.hand import HAND, ORDERS


def test_segment_summary_sums_and_ratios():
    t = sg.add_rfm(HAND)
    s = sg.segment_summary(t)
    lost = s.filter(pl.col("rfm_segment") == "Lost").row(0, named=True)
    # c8 + c9: revenue 20 + 10 = 30, 2 orders, aov 15, recency (300 + 400) / 2 = 350
    assert (lost["customers"], lost["revenue"], lost["orders"]) == (2, 30.0, 2)
    assert lost["aov"] == 15.0 and lost["avg_recency_days"] == 350.0
    assert lost["customer_share"] == 0.2 and lost["repeat_rate"] == 0.0
    assert s["revenue_share"].sum() == pytest.approx(1.0)
    # natural segment order kept
    order = [sg.SEGMENT_ORDER.index(x) for x in s["rfm_segment"]]
    assert order == sorted(order)
    assert s["action"].null_count() == 0


def test_segment_products_top_n():
    table = pl.DataFrame({"customer_id": ["A", "B", "C"], "tier": ["top", "low", "low"]})
    out = sg.segment_products(ORDERS, table, by="tier", top=1)
    # top (A): pen 10 + 20 = 30 and paper 30 tie for first: the name decides (paper, then pen);
    # low (B, C): pen 7 + 3 = 10 > ink 1 + 2 = 3, share 10 / 13.
    low = out.filter(pl.col("tier") == "low").row(0, named=True)
    assert (low["product"], low["revenue"], low["customers"]) == ("pen", 10.0, 2)
    assert low["share_of_group"] == pytest.approx(10 / 13)
    assert out.filter(pl.col("tier") == "top")["revenue"].item() == 30.0
    both = sg.segment_products(ORDERS, table, by="tier", top=2).filter(pl.col("tier") == "top")
    for _ in range(20):  # the same order on every run (group_by's order varies)
        again = sg.segment_products(ORDERS, table, by="tier", top=2)
        assert again.filter(pl.col("tier") == "top")["product"].to_list() == ["paper", "pen"]
    assert both["rank"].to_list() == [1, 2]
    with pytest.raises(InputError, match="product or category"):
        sg.segment_products(ORDERS.drop("product"), table, by="tier")


def test_segment_cells_and_kpis():
    cells = sg.segment_cells(HAND)
    assert cells.height == 25 and cells["customers"].sum() == 10
    # c8, c9: R1 FM1 (Lost), revenue 20 + 10
    lost = cells.filter((pl.col("r") == 1) & (pl.col("fm") == 1)).row(0, named=True)
    assert (lost["rfm_segment"], lost["customers"], lost["revenue"]) == ("Lost", 2, 30.0)
    k = sg.segment_kpis(sg.add_rfm(HAND))
    # revenue 2070 over 10 customers and 25 orders; repeat: c0, c4, c5, c6, c7 -> 5 of 10
    assert k["customers"] == 10 and k["revenue"] == 2070.0
    assert k["revenue_per_customer"] == 207.0 and k["aov"] == pytest.approx(2070 / 25)
    assert k["repeat_rate"] == 0.5 and k["champions"] == 1
    assert k["champions_revenue_share"] == pytest.approx(900 / 2070)
    # slipping: At Risk c6 (300) + Cannot Lose Them c7 (500)
    assert k["slipping"] == 2 and k["slipping_revenue_share"] == pytest.approx(800 / 2070)


def test_top_items_one_group_and_all_groups_in_order():
    prods = pl.DataFrame(
        {
            "persona": ["Premium", "Premium", "Premium", "Standard", "Standard"],
            "product": ["A", "B", "C", "A", "D"],
            "rank": [1, 2, 3, 1, 2],
            "revenue": [90.0, 50.0, 10.0, 30.0, 20.0],
            "customers": [3, 2, 1, 4, 2],
            "share_of_group": [0.6, 1 / 3, 1 / 15, 0.6, 0.4],
        }
    )
    one = sg.top_items(prods, "persona", 2, group="Premium")
    assert one.columns == ["product", "revenue", "customers", "share_of_group"]
    assert one["product"].to_list() == ["A", "B"]  # rank 3 (C) is cut by top = 2
    both = sg.top_items(prods, "persona", 1, order=["Standard", "Premium"])
    assert both.select("persona", "product").rows() == [("Standard", "A"), ("Premium", "A")]
