"""Headline KPIs, customer status at the thresholds' edges, revenue at risk and the monthly series.

Expected values are worked out by hand from the small frames below (arithmetic in comments).
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from core.ingest import Loaded
from core.metrics import kpis, monthly, report
from core.model.schema import resolve_as_of
from tests.unit.test_cli_report import SPEC_KEYS

# as_of = the last order = 2024-06-30. Days since each customer's last order:
#   a 2024-06-30 -> 0 (active)
#   b 2024-05-01 -> 30 (May 1 -> May 31) + 30 (-> Jun 30) = 60: active, exactly on the edge
#   f 2024-04-30 -> 61: at risk
#   c 2024-04-01 -> 29 + 31 + 30 = 90: at risk, exactly on the churn edge
#   d 2024-03-31 -> 91: churned
#   e 2023-07-02 -> churned
# 2024 is a leap year, so 2023-06-30 .. 2024-06-30 is 366 days and as_of - 365 = 2023-07-01:
# the 365-day window is 2023-07-02 .. 2024-06-30; e's 2023-07-01 order falls just outside.
ORDERS = pl.DataFrame(
    {
        "customer_id": ["a", "a", "b", "c", "f", "d", "d", "e", "e"],
        "order_id": ["o1", "o2", "o3", "o4", "o5", "o6", "o6", "o7", "o8"],
        "order_date": [
            date(2024, 5, 1),
            date(2024, 6, 30),
            date(2024, 5, 1),
            date(2024, 4, 1),
            date(2024, 4, 30),
            date(2024, 3, 31),
            date(2024, 3, 31),
            date(2023, 7, 1),
            date(2023, 7, 2),
        ],
        "revenue": [100.0, 50.0, 20.0, 30.0, 40.0, 25.0, 5.0, 100.0, 10.0],
        "status": [
            "delivered",
            "returned",
            "delivered",
            "cancelled",
            "delivered",
            "delivered",
            "delivered",
            "delivered",
            "delivered",
        ],
    }
)


def test_resolve_as_of() -> None:
    assert resolve_as_of(ORDERS) == date(2024, 6, 30)
    assert resolve_as_of(ORDERS, date(2024, 1, 1)) == date(2024, 1, 1)
    assert resolve_as_of(ORDERS.lazy()) == date(2024, 6, 30)


def test_kpis_by_hand() -> None:
    k = kpis(ORDERS)
    assert k["rows"] == 9
    assert k["orders"] == 8  # o6 has two lines
    assert k["customers"] == 6  # a b c d e f
    assert k["total_customers"] == 6
    # 100 + 50 + 20 + 30 + 40 + 25 + 5 + 100 + 10 = 380
    assert k["revenue"] == pytest.approx(380.0)
    # without the returned 50 and the cancelled 30: 380 - 80 = 300
    assert k["net_revenue"] == pytest.approx(300.0)
    assert k["aov"] == pytest.approx(380 / 8)  # 47.5
    assert k["revenue_per_customer"] == pytest.approx(380 / 6)
    # a (o1, o2) and e (o7, o8) ordered twice; d's two lines are one order
    assert k["repeat_rate"] == pytest.approx(2 / 6)
    # active a, b (60 days = the edge); at risk f (61), c (90 = the edge); churned d (91), e
    assert (k["active_customers"], k["at_risk_customers"], k["churned_customers"]) == (2, 2, 2)
    assert k["churn_rate"] == pytest.approx(2 / 6)
    # revenue in the 365-day window of at-risk + churned: f 40 + c 30 + d 25 + 5 + e 10 = 110
    # (e's 100 on 2023-07-01 is 365 days before as_of: outside the window)
    assert k["revenue_at_risk"] == pytest.approx(110.0)
    assert (k["first_date"], k["last_date"], k["as_of"]) == (
        date(2023, 7, 1),
        date(2024, 6, 30),
        date(2024, 6, 30),
    )


def test_kpis_without_status_column_net_equals_gross() -> None:
    k = kpis(ORDERS.drop("status"))
    assert k["net_revenue"] == pytest.approx(k["revenue"]) == pytest.approx(380.0)


def test_thresholds_move_the_status_counts() -> None:
    # churn_days 60, at_risk_days 30: active a (0); at risk b (60, the edge);
    # churned f 61, c 90, d 91, e
    k = kpis(ORDERS, churn_days=60, at_risk_days=30)
    assert (k["active_customers"], k["at_risk_customers"], k["churned_customers"]) == (1, 1, 4)
    # b 20 + f 40 + c 30 + d 30 + e 10 = 130
    assert k["revenue_at_risk"] == pytest.approx(130.0)


def test_later_as_of_ages_everyone() -> None:
    # as_of 2024-07-30 is 30 days later: a 30 (active), b 90 (at risk), f 91, c 120, d 121 churned
    k = kpis(ORDERS, as_of=date(2024, 7, 30))
    assert (k["active_customers"], k["at_risk_customers"], k["churned_customers"]) == (1, 1, 4)
    # window now starts after 2023-07-31: e's orders drop out. b 20 + f 40 + c 30 + d 30 = 120
    assert k["revenue_at_risk"] == pytest.approx(120.0)


def test_total_customers_counts_the_customers_file() -> None:
    # a and b have orders; x and y are in the customers file only: 6 + 2 = 8
    customers = pl.DataFrame({"customer_id": ["a", "b", "x", "y"]})
    k = kpis(ORDERS, customers_file=customers)
    assert k["customers"] == 6
    assert k["total_customers"] == 8


# ---------------------------------------------------------------- monthly

MONTHLY = pl.DataFrame(
    {
        "customer_id": ["a", "b", "a", "c", "c"],
        "order_id": ["1", "2", "3", "4", "4"],
        "order_date": [
            date(2024, 1, 15),
            date(2024, 2, 1),
            date(2024, 2, 29),
            date(2024, 4, 30),
            date(2024, 4, 30),
        ],
        "revenue": [100.0, 50.0, 100.0, 150.0, 50.0],
    }
)


def test_monthly_growth_gaps_and_partial_flags() -> None:
    m = monthly(MONTHLY)
    assert m["month"].to_list() == ["2024-01", "2024-02", "2024-03", "2024-04"]
    # Jan 100; Feb 50 + 100 = 150; Mar nothing; Apr 150 + 50 = 200
    assert m["revenue"].to_list() == [100.0, 150.0, 0.0, 200.0]
    assert m["orders"].to_list() == [1, 2, 0, 1]
    assert m["customers"].to_list() == [1, 2, 0, 1]
    # Feb against a partial January (from the 15th): left out, not +50%;
    # Mar (0 - 150) / 150 = -1; Apr after a zero month: undefined
    assert m["growth"].to_list() == [None, None, pytest.approx(-1.0), None]
    # data starts on Jan 15 (partial) and ends on Apr 30, the month's last day (complete)
    assert m["partial"].to_list() == [True, False, False, False]


def test_monthly_extends_to_a_later_as_of() -> None:
    m = monthly(MONTHLY, as_of=date(2024, 5, 10))
    assert m["month"].to_list()[-1] == "2024-05"
    assert m["revenue"].to_list()[-1] == 0.0
    # May ends on the 10th: partial; April is now complete
    assert m["partial"].to_list() == [True, False, False, False, True]
    assert m["growth"].to_list()[-1] is None  # 10 days of May are not compared with April


def test_monthly_first_day_start_is_not_partial() -> None:
    df = MONTHLY.filter(pl.col("order_date") >= date(2024, 2, 1))
    assert monthly(df)["partial"].to_list() == [False, False, False]


def test_monthly_empty() -> None:
    m = monthly(MONTHLY.clear())
    assert m.height == 0 and "growth" in m.columns


# ---------------------------------------------------------------- report


def test_report_is_json_ready_with_spec_keys() -> None:
    import json

    loaded = Loaded(orders=ORDERS, mapping={"customer_id": "Customer"}, warnings=["w"])
    r = report(loaded, customers=pl.DataFrame({"customer_id": ["zz"]}))
    assert set(r) >= SPEC_KEYS
    assert r["as_of"] == "2024-06-30" and r["first_date"] == "2023-07-01"
    assert r["total_customers"] == 7  # 6 with orders + zz
    assert r["mapping"] == {"customer_id": "Customer"} and r["warnings"] == ["w"]
    # months 2023-07 .. 2024-06 = 12 entries
    assert len(r["monthly"]) == 12
    assert set(r["monthly"][0]) == {"month", "revenue", "orders", "customers", "growth", "partial"}
    json.dumps(r, allow_nan=False)  # no dates or NaN left
