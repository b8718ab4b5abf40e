"""Breakdowns by dimension, value labels, top products (core.sales.breakdowns)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from core import sales
from core.errors import InputError
from tests.unit.sales.hand import FEB, JAN, make


def test_dimension_columns_include_attributes_not_ids(orders):
    dims = sales.dimension_columns(orders.with_columns(pl.lit("x").alias("Invoice ID")))
    assert dims == ["region", "category", "product", "status", "Age", "Gender"]


def test_breakdowns_contract_with_missing_region_bucket(orders):
    out = sales.breakdowns(orders, ["region"])
    # West lines 1 2 5 8 = 240, orders o1 o4 o7, customer A; East lines 3 6 = 240, o2 o5, B;
    # missing lines 4 7 9 = 50 + 90 + 80 = 220, o3 o6 o8, customers C D. Ties by name.
    assert out == {
        "region": [
            {"value": "East", "revenue": 240.0, "orders": 2, "customers": 1, "share": 240 / 700},
            {"value": "West", "revenue": 240.0, "orders": 3, "customers": 1, "share": 240 / 700},
            {
                "value": "(missing)",
                "revenue": 220.0,
                "orders": 3,
                "customers": 2,
                "share": 220 / 700,
            },
        ]
    }
    assert set(sales.breakdowns(orders)) == set(sales.dimension_columns(orders))
    with pytest.raises(InputError, match="Nope"):
        sales.breakdowns(orders, ["Nope"])


def test_breakdown_growth_profit_and_underperformers(orders):
    t = sales.breakdown(
        sales.in_period(orders, FEB), "region", previous=sales.in_period(orders, JAN)
    )
    rows = {r["value"]: r for r in t.iter_rows(named=True)}
    # February: West 60 + 30 = 90, East 40, missing 90 + 80 = 170; January 150, 200, 50
    assert rows["West"]["revenue"] == 90 and rows["West"]["previous_revenue"] == 150
    assert rows["West"]["growth"] == pytest.approx(-0.4)  # 90 / 150 - 1
    assert rows["East"]["growth"] == pytest.approx(-0.8)  # 40 / 200 - 1
    assert rows["(missing)"]["growth"] == pytest.approx(2.4)  # 170 / 50 - 1
    assert rows["West"]["aov"] == pytest.approx(45.0)  # 90 / 2 orders
    # West profit (60 - 36) + (30 - 12) = 42, margin 42 / 90
    assert rows["West"]["profit"] == pytest.approx(42.0)
    assert rows["West"]["margin"] == pytest.approx(42 / 90)
    # median revenue of 170, 90, 40 is 90: East below it, West and East declining
    assert rows["East"]["note"] == "declining, below median"
    assert rows["West"]["note"] == "declining"
    assert rows["(missing)"]["note"] is None
    assert sales.underperformers(t)["value"].to_list() == ["East", "West"]


def test_period_breakdown_compares_with_the_previous_period(orders):
    # February against January (the hand numbers above); January has no month before it
    feb = {
        r["value"]: r for r in sales.period_breakdown(orders, "region", FEB).iter_rows(named=True)
    }
    assert feb["West"]["revenue"] == 90 and feb["West"]["previous_revenue"] == 150
    assert feb["East"]["growth"] == pytest.approx(-0.8)
    jan = sales.period_breakdown(orders, "region", JAN)
    assert "growth" not in jan.columns
    assert dict(zip(jan["value"], jan["revenue"])) == {"West": 150, "East": 200, "(missing)": 50}


def test_numeric_attribute_binned_at_customer_quartiles():
    # nine customers aged 20, 25, ..., 60 (one line each): linear quartiles 30, 40, 50 (whole
    # numbers, so they are the edges); bins (..30], (30..40], (40..50], (50..] hold whole ages
    # 20-30, 31-40, 41-50, 51-60, the labels the Customers page shows for the same customers
    ages = [20 + 5 * i for i in range(9)]
    rows = [
        (f"o{i}", f"C{i}", date(2024, 1, 1), "P", "K", "R", 10, 5, "delivered", a, "F")
        for i, a in enumerate(ages)
    ]
    out = sales.label_dimension(make(rows), "Age")["value"].to_list()
    assert out == ["20-30"] * 3 + ["31-40"] * 2 + ["41-50"] * 2 + ["51-60"] * 2


def test_filter_values_keeps_the_missing_bucket(orders):
    kept = sales.filter_values(orders, "region", ["(missing)", "East"])
    assert kept["source_row"].to_list() == [3, 4, 6, 7, 9]  # lines 3 6 East, 4 7 9 missing
    assert sales.filter_values(orders, "region", []).height == 9


def test_top_products_within_category(orders):
    t = sales.top_products(orders, n=2)
    # Cat1: P1 = 100 + 200 + 60 + 80 = 440; Cat2: P3 = 50 + 90 = 140, P2 = 50 + 40 + 30 = 120
    assert t.select("category", "rank", "product", "revenue").rows() == [
        ("Cat1", 1, "P1", 440.0),
        ("Cat2", 1, "P3", 140.0),
        ("Cat2", 2, "P2", 120.0),
    ]
    assert t["share"].to_list() == pytest.approx([1.0, 140 / 260, 120 / 260])


def test_breakdown_figures_and_underperformers_sentence(orders):
    t = sales.breakdown(
        sales.in_period(orders, FEB), "region", previous=sales.in_period(orders, JAN)
    )
    assert {"below_median", "declining"}.isdisjoint(sales.breakdown_figures(t).columns)
    # East 40 (declining, below the median 90) first, then West 90 (declining)
    assert sales.describe_underperformers(t, "region") == (
        "**Underperformers by region** (declining, or below the median value's revenue): "
        "East (declining, below median); West (declining)"
    )
    # one value alone is its own median and has no earlier period: nothing to flag
    west = sales.breakdown(orders.filter(pl.col("region") == "West"), "region")
    assert sales.describe_underperformers(west, "region") is None


def test_a_small_value_that_grew_is_not_an_underperformer():
    # January: North 150, South 10, East 100; February: North 100, South 50, East 200.
    # February's median is 100: South (50) is below it but grew fivefold, North declined.
    def line(i, day, region, amount):
        return (f"o{i}", f"C{i}", day, "P", "K", region, amount, 0, "delivered", 30, "F")

    jan, feb = date(2024, 1, 10), date(2024, 2, 10)
    rows = [
        line(1, jan, "North", 150),
        line(2, jan, "South", 10),
        line(3, jan, "East", 100),
        line(4, feb, "North", 100),
        line(5, feb, "South", 50),
        line(6, feb, "East", 200),
    ]
    orders = make(rows)
    t = sales.breakdown(
        sales.in_period(orders, FEB), "region", previous=sales.in_period(orders, JAN)
    )
    notes = dict(zip(t["value"], t["note"]))
    assert notes == {"East": None, "North": "declining", "South": None}
