"""The customer metrics table (the hub) on a small frame worked out by hand."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from core.hub import attribute_columns, customer_table
from core.model.schema import CUSTOMER_COLUMNS

# as_of = 2024-03-31 (the last order).
# a: orders 2024-01-01 (o1: 2 lines 10 + 20, category Tea), 2024-01-31 (o2: 40, Mug, returned),
#    2024-03-31 (o3: 30, Tea). orders 3, revenue 100, aov 100 / 3,
#    recency 0, tenure 2024-01-01 -> 2024-03-31 = 31 (Jan) + 29 (Feb) + 30 = 90,
#    avg days between orders = 90 / (3 - 1) = 45, return rate 40 / 100 = 0.4,
#    favourite category Tea (10 + 20 + 30 = 60 > Mug 40), gender F twice and M once -> F
# b: one order 2023-12-31 (o4: 25, Mug): recency 91 -> churned, tenure 91, no gap, return rate 0
# c: one order 2024-01-31 (o5: 5): recency 60 -> active (the edge)
ORDERS = pl.DataFrame(
    {
        "customer_id": ["a", "a", "a", "a", "b", "c"],
        "order_id": ["o1", "o1", "o2", "o3", "o4", "o5"],
        "order_date": [
            date(2024, 1, 1),
            date(2024, 1, 1),
            date(2024, 1, 31),
            date(2024, 3, 31),
            date(2023, 12, 31),
            date(2024, 1, 31),
        ],
        "revenue": [10.0, 20.0, 40.0, 30.0, 25.0, 5.0],
        "cost": [4.0, 8.0, 10.0, 12.0, 5.0, 1.0],
        "category": ["Tea", "Tea", "Mug", "Tea", "Mug", "Pot"],
        "status": ["delivered", "delivered", "returned", "delivered", "delivered", "delivered"],
        "source_row": pl.Series([2, 3, 4, 5, 6, 7], dtype=pl.UInt32),
        "gender": ["F", "F", "M", "F", None, "X"],
    }
)


@pytest.fixture(scope="module")
def table() -> pl.DataFrame:
    customers = pl.DataFrame({"customer_id": ["a", "b", "z"], "signup": ["2023", "2022", "2021"]})
    return customer_table(ORDERS, customers=customers, with_clv=False)


def _row(table: pl.DataFrame, cid: str) -> dict:
    return table.filter(pl.col("customer_id") == cid).row(0, named=True)


def test_columns_and_order(table: pl.DataFrame) -> None:
    assert table.columns[: len(CUSTOMER_COLUMNS)] == list(CUSTOMER_COLUMNS)
    assert table["customer_id"].to_list() == ["a", "b", "c"]  # by revenue: 100, 25, 5
    assert table.schema["first_order"] == pl.Date
    assert table.schema["recency_days"] == pl.Int64


def test_customer_a(table: pl.DataFrame) -> None:
    a = _row(table, "a")
    assert (a["first_order"], a["last_order"]) == (date(2024, 1, 1), date(2024, 3, 31))
    assert a["orders"] == 3 and a["revenue"] == pytest.approx(100.0)
    assert a["aov"] == pytest.approx(100 / 3)
    assert (a["recency_days"], a["tenure_days"]) == (0, 90)
    assert a["avg_days_between_orders"] == pytest.approx(45.0)
    assert a["return_rate"] == pytest.approx(0.4)
    assert a["status"] == "active"
    assert a["favourite_category"] == "Tea"
    assert a["gender"] == "F"  # most frequent value
    assert a["profit"] == pytest.approx(100 - (4 + 8 + 10 + 12))  # 66
    assert a["revenue_365d"] == pytest.approx(100.0)
    assert a["signup"] == "2023"  # from the customers file


def test_customers_b_and_c_at_the_edges(table: pl.DataFrame) -> None:
    b, c = _row(table, "b"), _row(table, "c")
    assert (b["recency_days"], b["status"]) == (91, "churned")
    assert b["avg_days_between_orders"] is None  # one order: no gap
    assert b["return_rate"] == 0.0
    assert b["gender"] is None
    assert (c["recency_days"], c["status"]) == (60, "active")
    assert c["signup"] is None  # not in the customers file; z has no orders and no row


def test_scores_and_clv_columns_present(table: pl.DataFrame) -> None:
    assert table["r_score"].is_not_null().all() and table["rfm_segment"].is_not_null().all()
    assert table["value_tier"].is_not_null().all()
    assert table["p_alive"].is_null().all()  # with_clv=False


def test_as_of_and_thresholds() -> None:
    # as_of 2024-02-29: a's 2024-03-31 order is after it and left out -> a: 2 orders, 70
    t = customer_table(
        ORDERS, as_of=date(2024, 2, 29), churn_days=60, at_risk_days=30, with_clv=False
    )
    a = _row(t, "a")
    assert (a["orders"], a["revenue"]) == (2, pytest.approx(70.0))
    # a and c last ordered 2024-01-31: 29 days -> active; b 2023-12-31: 60 -> at risk (edge)
    assert (a["recency_days"], a["status"]) == (29, "active")
    assert (_row(t, "b")["recency_days"], _row(t, "b")["status"]) == (60, "at_risk")


def test_attribute_columns() -> None:
    assert attribute_columns(ORDERS) == ["gender"]
