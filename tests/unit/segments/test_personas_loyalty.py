"""Personas, loyalty and repeat behaviour (core.segments.personas, core.segments.loyalty)."""

from __future__ import annotations

import polars as pl
import pytest

from core import segments as sg
from core.errors import InputError
from tests.unit.segments.hand import ORDERS


def test_personas_by_hand():
    revenue = [1000.0, 800, 300, 250, 200, 150, 100, 80, 50, 20]
    orders = [2, 10, 1, 5, 2, 3, 1, 1, 1, 1]
    t = pl.DataFrame(
        {
            "revenue": revenue,
            "orders": orders,
            "aov": [r / o for r, o in zip(revenue, orders, strict=True)],
            "recency_days": [1] * 10,
            "status": [
                *("active", "active", "active", "active", "churned"),
                *("at_risk", "active", "churned", "active", "active"),
            ],
        }
    )
    # AOV = 500, 80, 300, 50, 100, 50, 100, 80, 50, 20; sorted 20 50 50 50 80 80 100 100 300 500,
    # 75% quantile (linear) at position 9 * 0.75 = 6.75 -> 100 + 0.75 * (100 - 100) = 100.
    # Top 20% = the two best by revenue (1000, 800).
    out = sg.add_persona(t)
    assert out["persona"].to_list() == [
        "Premium",  # top, AOV 500 >= 100
        "Loyal High-Value",  # top, AOV 80 < 100, 10 orders >= 3
        "Low-Premium",  # AOV 300, active
        "Standard",
        "High Churn Risk",  # AOV 100 but churned: the risk rule comes first
        "High Churn Risk",  # at_risk
        "Low-Premium",  # AOV 100 >= 100
        "High Churn Risk",
        "Standard",
        "Standard",
    ]
    rules = sg.persona_rules(t)
    assert rules["persona"].to_list() == list(sg.PERSONAS)
    assert "800.00" in rules["rule"][0] and "100.00" in rules["rule"][0]


def test_loyalty_cutoffs():
    t = pl.DataFrame({"orders": [1, 2, 3, 4, 10]})
    assert sg.add_loyalty(t)["loyalty"].to_list() == [
        "New", "Returning", "Returning", "Frequent", "Frequent"
    ]  # fmt: skip
    assert sg.add_loyalty(t, 3, 6)["loyalty"].to_list() == [
        "New", "New", "Returning", "Returning", "Frequent"
    ]  # fmt: skip
    with pytest.raises(InputError, match="loyalty"):
        sg.add_loyalty(t, 4, 4)


def test_orders_distribution_caps():
    t = pl.DataFrame({"orders": [1, 1, 2, 3, 5], "revenue": [10.0, 20, 30, 40, 100]})
    out = sg.orders_distribution(t, cap=3)
    assert out.select("orders", "customers", "revenue").rows() == [
        ("1", 2, 30.0),
        ("2", 1, 30.0),
        ("3+", 2, 140.0),
    ]
    assert out["share"].to_list() == [0.4, 0.2, 0.4]  # 2/5, 1/5, 2/5


def test_time_to_second_order():
    out = sg.time_to_second_order(ORDERS)
    # A: o1 Jan 1, o2 Jan 11 -> 10 days; B has one order; C: o5 dated by its earliest line
    # (Mar 5) and o6 Mar 5 -> 0 days.
    assert out.select("customer_id", "days_to_second").rows() == [("A", 10), ("C", 0)]
    buckets = sg.second_order_buckets(out)
    got = dict(buckets.select("bucket", "customers").rows())
    assert got["0-7 days"] == 1 and got["8-30 days"] == 1 and got["over 365 days"] == 0
    assert buckets["cumulative_share"][-1] == 1.0


def test_second_order_summary():
    days = pl.DataFrame({"days_to_second": [0, 10, 40, 100]})
    s = sg.second_order_summary(days, customers=8)
    # median of 0, 10, 40, 100 = (10 + 40) / 2 = 25; within 30: 2 of 4; within 90: 3 of 4
    assert s["customers_with_second"] == 4 and s["share_with_second"] == 0.5
    assert s["median_days"] == 25.0
    assert (s["within_30_days"], s["within_90_days"]) == (0.5, 0.75)


def test_loyalty_rule_in_words():
    # 2 and 4: New = 1 order, Returning = 2..3, Frequent = 4+
    assert sg.loyalty_rule(2, 4) == (
        "New: 1 order. Returning: 2 to 3 orders. Frequent: 4 orders or more."
    )
    # 3 and 4: New = 1..2, Returning = exactly 3
    assert sg.loyalty_rule(3, 4) == (
        "New: 1 to 2 orders. Returning: 3 orders. Frequent: 4 orders or more."
    )


def test_status_labels_in_tables_and_persona_rules():
    t = pl.DataFrame({"status": ["active", "at_risk", "churned", None], "x": [1, 2, 3, 4]})
    assert sg.with_status_labels(t)["status"].to_list() == ["Active", "At risk", "Churned", None]
    no_status = pl.DataFrame({"x": [1]})
    assert sg.with_status_labels(no_status).equals(no_status)
    table = pl.DataFrame(
        {
            "revenue": [100.0, 50.0],
            "orders": [2, 1],
            "aov": [50.0, 50.0],
            "recency_days": [5, 100],
            "status": ["active", "churned"],
        }
    )
    assert sg.persona_rules(table)["rule"][2] == "status is At risk or Churned"
    # a labelled status column keeps its natural order in the summary (not by revenue)
    summary = sg.segment_summary(
        sg.with_status_labels(table.with_columns(pl.Series("status", ["churned", "active"]))),
        "status",
    )
    assert summary["status"].to_list() == ["Active", "Churned"]


def _second_orders_by_hand(orders: pl.DataFrame, key: str) -> list[tuple]:
    """customer_id, first, second, days: each order dated by its earliest line, in Python."""
    per_order: dict[tuple, object] = {}
    pick = orders.select("customer_id", pl.col(key).alias("_key"), "order_date")
    for cid, k, d in pick.iter_rows():
        per_order[(cid, k)] = d if (cid, k) not in per_order else min(per_order[(cid, k)], d)
    dates: dict[str, list] = {}
    for (cid, _), d in per_order.items():
        dates.setdefault(cid, []).append(d)
    out = []
    for cid in sorted(dates):
        ds = sorted(dates[cid])
        if len(ds) >= 2:
            out.append((cid, ds[0], ds[1], (ds[1] - ds[0]).days))
    return out


@pytest.mark.parametrize("layout", ["as read", "lines shuffled", "no order ids"])
def test_time_to_second_order_on_the_sample_equals_a_count_by_hand(layout):
    from pathlib import Path

    from core.ingest import load_orders

    orders = load_orders(Path(__file__).resolve().parents[3] / "data" / "orders.csv").orders
    if layout == "lines shuffled":  # the lines of an order apart: order ids stay text
        orders = orders.sample(fraction=1.0, shuffle=True, seed=7)
    if layout == "no order ids":
        orders = orders.drop("order_id")
    key = "order_date" if layout == "no order ids" else "order_id"
    got = sg.time_to_second_order(orders)
    assert got.rows() == _second_orders_by_hand(orders, key)
    assert got.height > 100
