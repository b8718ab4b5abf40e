"""The revenue bridge and contributions (core.sales.bridge)."""

from __future__ import annotations

import math
from datetime import date

import polars as pl
import pytest

from core import sales
from core.sales import Period
from tests.unit.sales.hand import FEB, JAN, make


def test_bridge_effects_sum_to_the_change(orders):
    b = sales.revenue_bridge(orders, JAN, FEB)
    assert (b.revenue_a, b.revenue_b) == (400, 300)
    assert (b.customers_a, b.customers_b, b.orders_a, b.orders_b) == (3, 3, 3, 5)
    assert b.method == "lmdi"
    # L = (300 - 400) / ln(300/400) = 347.606...
    lmean = -100 / math.log(0.75)
    assert b.customers_effect == pytest.approx(0.0)  # ln(3/3) = 0
    # orders per customer 1 -> 5/3: L * ln(5/3) = 177.566
    assert b.frequency_effect == pytest.approx(lmean * math.log(5 / 3))
    assert b.frequency_effect == pytest.approx(177.566, abs=1e-3)
    # AOV 400/3 -> 60: L * ln(0.45) = -277.566
    assert b.aov_effect == pytest.approx(lmean * math.log(60 / (400 / 3)))
    total = b.customers_effect + b.frequency_effect + b.aov_effect
    assert total == pytest.approx(-100.0, abs=1e-9)
    assert b.change_pct == pytest.approx(-0.25)
    assert b.steps()["amount"].to_list() == pytest.approx(
        [400, 0, b.frequency_effect, b.aov_effect, 300]
    )


def test_bridge_with_customers_changing():
    # a: 2 customers, 2 orders, 200; b: 4 customers, 4 orders, 400 -> all customers effect
    def line(o, c, d, r):
        return (o, c, d, "P", "K", "R", r, 0, "delivered", 30, "F")

    rows = [line(f"a{i}", f"C{i}", date(2024, 1, 5), 100) for i in range(2)]
    rows += [line(f"b{i}", f"C{i}", date(2024, 2, 5), 100) for i in range(4)]
    b = sales.revenue_bridge(make(rows), JAN, FEB)
    # L = 200 / ln 2; customers L * ln 2 = 200; F and AOV unchanged -> 0
    assert b.customers_effect == pytest.approx(200.0)
    assert b.frequency_effect == pytest.approx(0.0) and b.aov_effect == pytest.approx(0.0)


def test_bridge_falls_back_to_sequential_when_a_period_is_empty(orders):
    empty = Period(date(2023, 1, 1), date(2023, 1, 31))
    b = sales.revenue_bridge(orders, empty, FEB)
    # nothing before: the whole 300 is a customers effect
    assert b.method == "sequential"
    assert (b.customers_effect, b.frequency_effect, b.aov_effect) == (300, 0, 0)
    b = sales.revenue_bridge(orders, FEB, empty)
    assert (b.customers_effect, b.frequency_effect, b.aov_effect) == (-300, 0, 0)


def test_contributions_by_region_largest_first(orders):
    t = sales.change_contributions(orders, JAN, FEB, "region")
    # East 200 -> 40 (-160 = -40 points of 400), missing 50 -> 170 (+120 = +30 points),
    # West 150 -> 90 (-60 = -15 points); -40 + 30 - 15 = -25 points = the -25% change
    assert t["value"].to_list() == ["East", "(missing)", "West"]
    assert t["change"].to_list() == [-160, 120, -60]
    assert t["points"].to_list() == pytest.approx([-40.0, 30.0, -15.0])
    assert t["points"].sum() == pytest.approx(-25.0)
    assert t["share_of_change"].to_list() == pytest.approx([1.6, -1.2, 0.6])
    east = t.row(0, named=True)
    # East: B alone, 1 order each month, 200 -> 40: only the order value moved
    assert east["aov_effect"] == pytest.approx(-160.0) and east["driver"] == "lower order value"
    # B was new in January (200) and returning in February (40)
    assert (east["new_change"], east["returning_change"]) == (-200, 40)
    # missing: C (1 order, 50) then D (2 orders, 170): ln 2 = 0.693 > ln 1.7 = 0.531
    assert t.row(1, named=True)["driver"] == "more orders per customer"
    effects = t.select(sales.EFFECTS).sum_horizontal()
    assert effects.to_list() == pytest.approx(t["change"].to_list())


def test_explain_change_in_plain_words(orders):
    e = sales.explain_change(orders, JAN, FEB, ["region"])
    assert e.summary.startswith("Revenue fell 25.0% (400 -> 300)")
    assert "East -40.0 points, mainly lower order value (mostly new customers)" in e.summary


def test_bridge_counts_root_cause_dimensions_and_top_contributions(orders):
    # January: customers A B C, orders o1-o3; February: A B D, orders o4-o8
    assert sales.revenue_bridge(orders, JAN, FEB).counts() == (
        "Customers 3 → 3 · orders 3 → 5 · method: lmdi."
    )
    assert sales.root_cause_dimensions(orders) == ["region", "category", "product"]  # no channel
    no_region = orders.with_columns(pl.lit(None, pl.Utf8).alias("region"))
    assert sales.root_cause_dimensions(no_region) == ["category", "product"]
    t = sales.change_contributions(orders, JAN, FEB, "region")
    assert sales.top_contributions(t, 2)["value"].to_list() == ["East", "(missing)"]
    # nothing in the first period: points (of period a's revenue) undefined, nothing to draw
    empty = Period(date(2023, 1, 1), date(2023, 1, 31))
    assert sales.top_contributions(
        sales.change_contributions(orders, empty, FEB, "region")
    ).is_empty()
