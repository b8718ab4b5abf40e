"""Trends, growth and seasonality (core.sales.trends)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from core import sales
from core.errors import InputError
from tests.unit.sales.hand import make


def test_monthly_trend_partial_first_month_and_growth(orders):
    t = sales.trend(orders, "month")
    assert t["label"].to_list() == ["2024-01", "2024-02"]
    assert t["revenue"].to_list() == [400, 300]
    assert t["orders"].to_list() == [3, 5]
    assert t["customers"].to_list() == [3, 3]
    # data starts 10 Jan: January partial; February covered to the 29th
    assert t["partial"].to_list() == [True, False]
    assert t["growth"][0] is None
    # February against a partial January (400 over 22 days) is left out, not -25%
    assert t["growth"][1] is None
    # January: A B C all new; February: D new (170), A and B returning (60 + 40 + 30)
    assert t["new_revenue"].to_list() == [400, 170]
    assert t["returning_revenue"].to_list() == [0, 130]
    assert t["yoy_growth"].to_list() == [None, None]


def test_growth_leaves_out_partial_periods_and_their_neighbours():
    # full January (1st-31st), full February, March covered to the 3rd only
    def line(i, day, amount):
        return {"customer_id": f"C{i}", "order_id": f"O{i}", "order_date": day, "revenue": amount}

    rows = [
        line(1, date(2024, 1, 1), 100.0),
        line(2, date(2024, 1, 31), 300.0),
        line(3, date(2024, 2, 10), 500.0),
        line(4, date(2024, 3, 3), 50.0),
    ]
    t = sales.trend(pl.DataFrame(rows), "month")
    assert t["partial"].to_list() == [False, False, True]
    assert t["growth"][1] == pytest.approx(0.25)  # (500 - 400) / 400, two full months
    assert t["growth"][2] is None  # a 3-day March is not -90%


def test_weekly_trend_fills_empty_weeks_and_marks_both_ends(orders):
    t = sales.trend(orders, "week")
    # weeks start on Monday: 8 Jan .. 26 Feb = 8 weeks; 29 Jan - 4 Feb has no order
    assert t.height == 8
    assert t.filter(pl.col("period") == date(2024, 1, 29))["revenue"].item() == 0
    # 8-14 Jan starts before 10 Jan; 26 Feb - 3 Mar ends after 29 Feb
    assert t["partial"].to_list() == [True] + [False] * 6 + [True]
    # growth after an empty week is undefined (base 0)
    assert t.filter(pl.col("period") == date(2024, 2, 5))["growth"].item() is None


def test_quarter_labels_and_year_over_year():
    rows = [
        ("x1", "A", date(2023, 1, 1), "P1", "Cat1", "West", 100, 50, "delivered", 25, "F"),
        ("x2", "A", date(2024, 1, 31), "P1", "Cat1", "West", 150, 75, "delivered", 25, "F"),
    ]
    m = sales.trend(make(rows), "month")
    assert m.height == 13  # Jan 2023 .. Jan 2024, every month complete
    assert not m["partial"].any()
    assert m["yoy_growth"][-1] == pytest.approx(0.5)  # 150 / 100 - 1
    assert m["growth"][-1] is None  # December 2023 had no revenue
    q = sales.trend(make(rows), "quarter")
    assert q["label"].to_list() == ["2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1"]
    # Q1 2024 is covered to 31 Jan only: not compared with the whole of Q1 2023
    assert q["partial"].to_list() == [False] * 4 + [True]
    assert q["yoy_growth"][-1] is None
    cut = sales.trend(make([(*rows[0][:2], date(2023, 1, 15), *rows[0][3:]), rows[1]]), "month")
    assert cut["partial"][0] and cut["yoy_growth"][-1] is None  # 17 days against 31
    with pytest.raises(InputError):
        sales.trend(make(rows), "fortnight")


def test_seasonality_index_skips_partial_months(orders):
    s = sales.seasonality(orders)
    assert s["month_name"].to_list() == ["Jan", "Feb"]
    # only February is complete: mean of complete months = 300 -> index 1.0
    assert s["index"].to_list() == [None, 1.0]


def test_growth_rows_and_trend_figures(orders):
    t = sales.trend(orders, "month")
    # January has no month before it and is partial, so February is not compared with it
    assert sales.growth_rows(t).height == 0
    assert sales.growth_rows(t, "yoy_growth").height == 0  # no 2023 data
    fig = sales.trend_figures(t)
    assert fig.columns[0] == "label" and {"period", "period_end"}.isdisjoint(fig.columns)


@pytest.mark.parametrize(
    "path",
    [
        "data/orders.csv",
        "tests/data/real/superstore_uk_dates.csv",
        "tests/data/real/uci_invoice_totals_iso.csv",
    ],
)
def test_seasonality_of_a_monthly_trend_with_first_seen_is_seasonality(path):
    """The Sales page builds the heatmap from the monthly trend it already has (new vs returning
    by the first order in the whole file): the same table as seasonality on the orders."""
    from pathlib import Path

    from core.ingest import load_orders
    from core.ingest.readers import read_table

    root = Path(__file__).resolve().parents[3]
    orders = load_orders(read_table(root / path), name=path).orders
    some = orders.filter(pl.col("order_date") >= orders["order_date"].min() + pl.duration(days=40))
    for part in (orders, some):
        monthly = sales.trend(part, "month", first_seen=sales.first_orders(orders))
        assert sales.seasonality_of(monthly).equals(sales.seasonality(part))
