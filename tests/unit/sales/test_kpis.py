"""KPIs of a period and their comparisons (core.sales.kpis)."""

from __future__ import annotations

from datetime import date

import pytest

from core import sales
from core.sales import Period
from tests.unit.sales.hand import FEB, make


def test_kpis_whole_range(orders):
    k = sales.kpis(orders)
    assert k.revenue == 700  # 400 + 300
    assert k.orders == 8 and k.customers == 4 and k.total_customers == 4
    assert k.aov == pytest.approx(87.5)  # 700 / 8
    assert k.revenue_per_customer == pytest.approx(175.0)  # 700 / 4
    # orders per customer: A 3 (o1 o4 o7), B 2, C 1, D 2 -> 3 of 4 repeat
    assert k.repeat_rate == pytest.approx(0.75)
    # net: 700 - returned (50 + 30) - cancelled 40 = 580
    assert k.net_revenue == pytest.approx(580.0)
    # cost 60+20+120+30+36+16+54+12+48 = 396 -> profit 304, margin 304/700
    assert k.profit == pytest.approx(304.0)
    assert k.margin == pytest.approx(304 / 700)
    assert k.returned_revenue == pytest.approx(80.0)
    assert k.return_rate == pytest.approx(80 / 700)
    # every customer's first order lies in the range: all new
    assert (k.new_customers, k.returning_customers) == (4, 0)


def test_kpis_february_new_vs_returning(orders):
    k = sales.kpis(orders, FEB)
    assert (k.revenue, k.orders, k.customers) == (300, 5, 3)
    assert k.aov == pytest.approx(60.0)  # 300 / 5
    assert k.revenue_per_customer == pytest.approx(100.0)  # 300 / 3
    # A has o4 o7, B o5, D o6 o8 -> 2 of 3 repeat within February
    assert k.repeat_rate == pytest.approx(2 / 3)
    # D's first order is 15 Feb -> new (90 + 80 = 170); A and B first ordered in January
    assert (k.new_customers, k.returning_customers) == (1, 2)
    assert k.new_revenue == pytest.approx(170.0)
    assert k.returning_revenue == pytest.approx(130.0)
    # net 300 - 40 (cancelled) - 30 (returned); cost 36+16+54+12+48 = 166
    assert k.net_revenue == pytest.approx(230.0)
    assert k.profit == pytest.approx(134.0)
    assert k.margin == pytest.approx(134 / 300)
    assert k.return_rate == pytest.approx(0.1)  # 30 / 300


def test_kpis_without_cost_or_status_leave_them_out(orders):
    k = sales.kpis(orders.drop("cost", "status"))
    assert k.profit is None and k.margin is None
    assert k.returned_revenue is None and k.return_rate is None
    assert k.net_revenue == 700  # nothing to exclude


def test_kpis_of_an_empty_period_have_no_ratios(orders):
    k = sales.kpis(orders, Period(date(2025, 1, 1), date(2025, 1, 31)))
    assert (k.revenue, k.orders, k.customers) == (0, 0, 0)
    assert k.aov is None and k.repeat_rate is None and k.revenue_per_customer is None


def test_compare_kpis_previous_period_and_missing_last_year(orders):
    # 10-29 Feb (20 days): lines 6-9 = 40 + 90 + 30 + 80 = 240, orders 4, customers B D A
    # previous 21 Jan - 9 Feb: lines 4, 5 = 50 + 60 = 110, orders 2, customers C A
    cmp = sales.compare_kpis(orders, Period(date(2024, 2, 10), date(2024, 2, 29)))
    assert cmp.previous is not None and cmp.last_year is None  # data starts in 2024
    t = {r["metric"]: r for r in cmp.table().iter_rows(named=True)}
    assert t["revenue"]["current"] == 240 and t["revenue"]["previous"] == 110
    assert t["revenue"]["change"] == pytest.approx(130.0)
    assert t["revenue"]["change_pct"] == pytest.approx(130 / 110)
    assert t["customers"]["change_pct"] == pytest.approx(0.5)  # 3 vs 2
    # return rate 30/240 = 0.125 vs 50/110: change in rate units
    assert t["return_rate"]["change"] == pytest.approx(0.125 - 50 / 110)
    assert t["revenue"]["last_year"] is None


def test_compare_kpis_same_period_last_year():
    rows = [
        ("x1", "A", date(2023, 2, 1), "P1", "Cat1", "West", 100, 50, "delivered", 25, "F"),
        ("x2", "A", date(2024, 2, 3), "P1", "Cat1", "West", 150, 75, "delivered", 25, "F"),
    ]
    # the data reaches 1 Feb 2023, the first day of last year's period: covered
    cmp = sales.compare_kpis(make(rows), Period(date(2024, 2, 1), date(2024, 2, 29)))
    t = {r["metric"]: r for r in cmp.table().iter_rows(named=True)}
    assert t["revenue"]["last_year"] == 100
    assert t["revenue"]["yoy_pct"] == pytest.approx(0.5)  # 150 / 100 - 1
    # previous 29 days: 3 Jan - 31 Jan 2024, no orders but covered -> 0
    assert t["revenue"]["previous"] == 0 and t["revenue"]["change_pct"] is None


def test_kpi_deltas_in_words_and_the_comparison_basis(orders):
    cmp = sales.compare_kpis(orders, Period(date(2024, 2, 10), date(2024, 2, 29)))
    # revenue 240 vs 110: +130 / 110 = +118.18%; no data a year earlier, so no YoY part
    assert cmp.delta("revenue") == "+118.2%"
    # return rate 30/240 = 12.5% vs 50/110 = 45.45%: -32.95 percentage points
    assert cmp.delta("return_rate") == "-33.0 pts"
    assert cmp.basis() == (
        "Deltas: against the previous period (2024-01-21 to 2024-02-09); no data a year earlier."
    )
    # an empty period has no order value to compare
    empty = sales.compare_kpis(orders, Period(date(2024, 3, 1), date(2024, 3, 31)))
    assert empty.delta("aov") is None


def test_kpi_delta_skips_a_zero_base_and_shows_year_over_year():
    rows = [
        ("x1", "A", date(2023, 2, 1), "P1", "Cat1", "West", 100, 50, "delivered", 25, "F"),
        ("x2", "A", date(2024, 2, 3), "P1", "Cat1", "West", 150, 75, "delivered", 25, "F"),
    ]
    cmp = sales.compare_kpis(make(rows), Period(date(2024, 2, 1), date(2024, 2, 29)))
    # previous period revenue 0 (no % change); last year 100 -> 150 = +50%
    assert cmp.delta("revenue") == "+50.0% YoY"
    # repeat rate 0 of 1 customer now and a year ago; none in the previous period
    assert cmp.delta("repeat_rate") == "+0.0 pts YoY"
    assert cmp.basis().endswith(", and year over year (2023-02-01 to 2023-02-28).")


def test_kpi_figures_show_rates_in_percent(orders):
    cmp = sales.compare_kpis(orders, Period(date(2024, 2, 10), date(2024, 2, 29)))
    f = {r["KPI"]: r for r in cmp.figures().iter_rows(named=True)}
    assert list(cmp.figures().columns) == [
        "KPI", "current", "previous", "change", "change_pct", "last_year", "yoy_pct",
    ]  # fmt: skip
    # revenue stays an amount: 240 vs 110, +130 = +118.2%
    assert (f["Revenue"]["current"], f["Revenue"]["change"]) == (240, 130)
    assert f["Revenue"]["change_pct"] == pytest.approx(130 / 110)
    # return rate 12.5% vs 45.45%: change in points, no % of a %
    rr = f["Return rate (%)"]
    assert rr["current"] == pytest.approx(12.5) and rr["previous"] == pytest.approx(5000 / 110)
    assert rr["change"] == pytest.approx(12.5 - 5000 / 110) and rr["change_pct"] is None


def test_compare_kpis_counts_every_customer_of_the_lines(orders):
    """Total customers (4: A, B, C, D) whether compare_kpis finds the first orders itself (their
    rows are the customers) or is given them for the same lines."""
    fs = sales.first_orders(orders)
    for cmp in (
        sales.compare_kpis(orders, FEB),
        sales.compare_kpis(orders, FEB, first_seen=fs),
    ):
        assert cmp.current.total_customers == 4
