"""Attribute breakdowns and inconsistent attributes (core.segments.attributes)."""

from __future__ import annotations

import polars as pl

from core import segments as sg
from tests.unit.segments.hand import HAND, ORDERS


def test_numeric_attribute_binned_by_quantile():
    t = pl.DataFrame(
        {
            "age": [*range(20, 60), None],
            "revenue": [1.0] * 41,
            "orders": [1] * 40 + [2],
            "recency_days": [0] * 41,
        }
    )
    # quantiles of 20..59 (linear): 29.75, 39.5, 49.25 -> whole numbers: edges 29, 39, 49
    bins = sg.numeric_bins(t["age"], 4)
    assert bins.edges == (29.0, 39.0, 49.0)
    assert bins.labels == ("20-29", "30-39", "40-49", "50-59")
    out = sg.attribute_breakdown(t, "age", bins=4)
    assert out["group"].to_list() == ["20-29", "30-39", "40-49", "50-59", "(missing)"]
    assert out["customers"].to_list() == [10, 10, 10, 10, 1]
    assert out["repeat_rate"].to_list() == [0.0, 0.0, 0.0, 0.0, 1.0]


def test_text_attribute_and_attribute_columns():
    t = HAND.with_columns(
        pl.Series("gender", ["F", "M", "F", None, "F", "M", "F", "F", "M", "F"]),
        pl.Series("age", [30, 40, 50, 60, 30, 40, 50, 60, 30, 40]),
    )
    out = sg.attribute_breakdown(t, "gender")
    assert out["group"].to_list() == ["F", "M", "(missing)"]  # by revenue, missing last
    assert out["customers"].to_list() == [6, 3, 1]
    assert sg.attribute_columns(sg.add_rfm(t)) == ["gender", "age"]


def test_inconsistent_attributes_counted():
    out = sg.inconsistent_attributes(ORDERS, ["gender", "product", "nope"])
    # A has F and M (None ignored); B one value; C only F -> 1 of 3. product: A and C mix.
    assert out.rows() == [("gender", 3, 1, 1 / 3), ("product", 3, 2, 2 / 3)]


def test_inconsistent_count():
    orders = pl.DataFrame(
        {"customer_id": ["a", "a", "b", "b", "c"], "region": ["N", "S", "N", "N", None]}
    )
    # a has N and S (2 values) -> inconsistent; b only N; c only a null -> 1
    assert sg.inconsistent_count(orders, "region") == 1
    assert sg.inconsistent_count(orders, "gender") == 0
