"""core.model.attributes: one rule for what a customer attribute is, one numeric binning.

Expected groups are worked out by hand in the comments."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from core import sales, segments
from core.customers import customer_table
from core.model.attributes import (
    DESCRIPTIVE,
    customer_attributes,
    is_id,
    numeric_bins,
    order_attributes,
)
from core.model.schema import CUSTOMER_COLUMN_KINDS

# Nine customers aged 20, 25, ..., 60, one order each, plus a second order for C0 (same age).
AGES = [20 + 5 * i for i in range(9)]


def _orders() -> pl.DataFrame:
    rows = [(f"o{i}", f"C{i}", date(2024, 1, 1 + i), 10.0 * (i + 1), a) for i, a in enumerate(AGES)]
    rows.append(("o9", "C0", date(2024, 2, 1), 5.0, 20))
    return pl.DataFrame(
        rows, schema=["order_id", "customer_id", "order_date", "revenue", "Age"], orient="row"
    ).with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).alias("source_row"))


# By hand: one value per customer, 20..60 step 5 (n = 9). Linear quartiles sit at positions
# (n - 1) * q = 2, 4, 6 of the sorted values: 30, 40, 50. Whole numbers, so those are the edges
# and the bins (..30], (30..40], (40..50], (50..] hold the whole ages 20-30, 31-40, 41-50, 51-60.
EXPECTED = {
    "C0": "20-30",
    "C1": "20-30",
    "C2": "20-30",
    "C3": "31-40",
    "C4": "31-40",
    "C5": "41-50",
    "C6": "41-50",
    "C7": "51-60",
    "C8": "51-60",
}


def test_age_reads_the_same_on_sales_and_customers():
    orders = _orders()
    on_sales = sales.label_dimension(orders, "Age").select("customer_id", "value").unique()
    assert dict(on_sales.iter_rows()) == EXPECTED

    table = customer_table(orders, with_clv=False)
    grouped = segments.attribute_groups(table, "Age", bins=4)
    assert dict(grouped.select("customer_id", "group").iter_rows()) == EXPECTED
    out = segments.attribute_breakdown(table, "Age", bins=4)
    assert out["group"].to_list() == ["20-30", "31-40", "41-50", "51-60"]
    assert out["customers"].to_list() == [3, 2, 2, 2]


def test_fractional_values_and_few_distinct_values():
    # 1.5, 2.5, ..., 8.5: quartiles 3.5, 5.5, 7.5 (positions 2, 4, 6 of 9 values)
    b = numeric_bins(pl.Series([0.5 + i for i in range(1, 10)]), 4)
    assert b.edges == (3.5, 5.5, 7.5)
    assert b.labels == ("1.5-3.5", ">3.5-5.5", ">5.5-7.5", ">7.5-9.5")
    # at most six distinct values: one group per value, in numeric order
    few = numeric_bins(pl.Series([3, 1, 2, 2, None, 10]), 4)
    assert few.labels == ("1", "2", "3", "10")
    got = pl.DataFrame({"x": [10, 2, None]}).select(few.expr("x"))["x"].to_list()
    assert got == ["10", "2", None]


def test_order_attributes_are_what_is_not_a_role():
    cols = ["customer_id", "order_date", "revenue", "unit_cost", "cost", "source_row", "Age"]
    assert order_attributes(cols) == ["Age"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("id", True),
        ("store_id", True),
        ("Customer ID", True),
        ("CustomerId", True),
        ("id_card", False),
        ("paid", False),
        ("valid", False),
        ("Gender", False),
    ],
)
def test_id_like_names(name: str, expected: bool):
    assert is_id(name) is expected


def _full_orders() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "customer_id": ["A", "A", "B", "C"],
            "order_id": ["1", "2", "3", "4"],
            "order_date": [date(2024, 1, 1), date(2024, 2, 1), date(2024, 1, 5), date(2024, 3, 1)],
            "revenue": [10.0, 20.0, 30.0, 40.0],
            "quantity": [1.0, 2.0, 1.0, 1.0],
            "cost": [4.0, 8.0, None, 10.0],
            "product": ["p", "q", "p", "q"],
            "category": ["x", "y", "x", "y"],
            "region": ["N", "N", "S", "S"],
            "channel": ["web", "web", "shop", "web"],
            "status": ["delivered", "returned", "delivered", "delivered"],
            "Age": [30, 30, 40, 50],
            "store_id": ["s1", "s1", "s2", "s3"],
        }
    ).with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).alias("source_row"))


def test_every_column_the_hub_computes_is_declared_and_not_an_attribute():
    """A new per-customer metric must declare its kind in core.model.schema, or this fails;
    declared, it can never be taken for an attribute."""
    table = segments.add_loyalty(segments.add_persona(customer_table(_full_orders())))
    attributes = customer_attributes(table)
    assert attributes == ["region", "Age", "favourite_category"]
    undeclared = set(table.columns) - set(CUSTOMER_COLUMN_KINDS) - {"Age", "store_id"}
    assert undeclared == set()
    assert set(DESCRIPTIVE) <= set(attributes)
    assert segments.attribute_columns(table) == attributes


def test_customer_attributes_count_a_name_once_and_need_groups():
    t = pl.DataFrame(
        {
            "customer_id": ["A", "B", "C"],
            "orders": [1, 2, 3],
            "region": ["N", "S", "S"],
            "Region": ["n", "s", "s"],  # the customers file's copy: counted once
            "constant": [5, 5, 5],  # one value: no groups
            "plan": ["a", "b", None],
        }
    )
    assert customer_attributes(t) == ["region", "plan"]
    assert customer_attributes(t, max_groups=1) == []  # two values each: too many
