"""core.sales on a nine-line made-up shop; every expected value is worked out by hand below.

The shop (2024 is a leap year; data runs 10 Jan - 29 Feb, so January is a partial month):

    line order cust date        product cat   region  revenue cost status     Age Gender
    1    o1    A    2024-01-10  P1      Cat1  West    100     60   delivered  25  F
    2    o1    A    2024-01-10  P2      Cat2  West     50     20   delivered  25  F
    3    o2    B    2024-01-20  P1      Cat1  East    200    120   delivered  40  M
    4    o3    C    2024-01-25  P3      Cat2  -        50     30   returned   33  -
    5    o4    A    2024-02-05  P1      Cat1  West     60     36   delivered  25  F
    6    o5    B    2024-02-10  P2      Cat2  East     40     16   cancelled  40  M
    7    o6    D    2024-02-15  P3      Cat2  -        90     54   delivered  52  F
    8    o7    A    2024-02-20  P2      Cat2  West     30     12   returned   25  F
    9    o8    D    2024-02-29  P1      Cat1  -        80     48   delivered  52  F

January: lines 1-4, revenue 400, orders o1 o2 o3 = 3, customers A B C = 3.
February: lines 5-9, revenue 300, orders o4..o8 = 5, customers A B D = 3.
"""

from __future__ import annotations

import math
from datetime import date

import polars as pl
import pytest

from core import sales
from core.errors import InputError
from core.sales import Period

JAN = Period(date(2024, 1, 1), date(2024, 1, 31))
FEB = Period(date(2024, 2, 1), date(2024, 2, 29))

ROWS = [
    ("o1", "A", date(2024, 1, 10), "P1", "Cat1", "West", 100, 60, "delivered", 25, "F"),
    ("o1", "A", date(2024, 1, 10), "P2", "Cat2", "West", 50, 20, "delivered", 25, "F"),
    ("o2", "B", date(2024, 1, 20), "P1", "Cat1", "East", 200, 120, "delivered", 40, "M"),
    ("o3", "C", date(2024, 1, 25), "P3", "Cat2", None, 50, 30, "returned", 33, None),
    ("o4", "A", date(2024, 2, 5), "P1", "Cat1", "West", 60, 36, "delivered", 25, "F"),
    ("o5", "B", date(2024, 2, 10), "P2", "Cat2", "East", 40, 16, "cancelled", 40, "M"),
    ("o6", "D", date(2024, 2, 15), "P3", "Cat2", None, 90, 54, "delivered", 52, "F"),
    ("o7", "A", date(2024, 2, 20), "P2", "Cat2", "West", 30, 12, "returned", 25, "F"),
    ("o8", "D", date(2024, 2, 29), "P1", "Cat1", None, 80, 48, "delivered", 52, "F"),
]
COLUMNS = [
    "order_id",
    "customer_id",
    "order_date",
    "product",
    "category",
    "region",
    "revenue",
    "cost",
    "status",
    "Age",
    "Gender",
]


def make(rows=ROWS) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=COLUMNS, orient="row").with_columns(
        pl.col("revenue", "cost").cast(pl.Float64),
        pl.col("Age").cast(pl.Int64),
        pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).alias("source_row"),
    )


@pytest.fixture
def orders() -> pl.DataFrame:
    return make()


# ---------------------------------------------------------------- periods
def test_previous_period_has_equal_length_and_last_year_handles_leap_day():
    p = Period(date(2024, 2, 10), date(2024, 2, 29))  # 20 days
    assert p.days == 20
    # 20 days ending 9 Feb: 21 Jan .. 9 Feb
    assert p.previous() == Period(date(2024, 1, 21), date(2024, 2, 9))
    # 29 Feb 2023 does not exist: 28 Feb
    assert p.last_year() == Period(date(2023, 2, 10), date(2023, 2, 28))
    with pytest.raises(InputError):
        Period(date(2024, 2, 2), date(2024, 2, 1))


def test_presets_know_when_the_last_month_is_complete():
    presets = sales.period_presets(date(2023, 1, 10), date(2024, 2, 29))
    # 29 Feb is February's last day, so February is the last full month
    assert presets["Last full month"] == FEB
    assert presets["Last 30 days"] == Period(date(2024, 1, 31), date(2024, 2, 29))
    assert presets["Last full quarter"] == Period(date(2023, 10, 1), date(2023, 12, 31))
    assert sales.period_presets(date(2024, 1, 1), date(2024, 2, 28))["Last full month"] == JAN


# ---------------------------------------------------------------- KPIs
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


# ---------------------------------------------------------------- trends
def test_monthly_trend_partial_first_month_and_growth(orders):
    t = sales.trend(orders, "month")
    assert t["label"].to_list() == ["2024-01", "2024-02"]
    assert t["revenue"].to_list() == [400, 300]
    assert t["orders"].to_list() == [3, 5]
    assert t["customers"].to_list() == [3, 3]
    # data starts 10 Jan: January partial; February covered to the 29th
    assert t["partial"].to_list() == [True, False]
    assert t["growth"][0] is None
    assert t["growth"][1] == pytest.approx(-0.25)  # (300 - 400) / 400
    # January: A B C all new; February: D new (170), A and B returning (60 + 40 + 30)
    assert t["new_revenue"].to_list() == [400, 170]
    assert t["returning_revenue"].to_list() == [0, 130]
    assert t["yoy_growth"].to_list() == [None, None]


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
        ("x1", "A", date(2023, 1, 15), "P1", "Cat1", "West", 100, 50, "delivered", 25, "F"),
        ("x2", "A", date(2024, 1, 15), "P1", "Cat1", "West", 150, 75, "delivered", 25, "F"),
    ]
    m = sales.trend(make(rows), "month")
    assert m.height == 13  # Jan 2023 .. Jan 2024
    assert m["yoy_growth"][-1] == pytest.approx(0.5)  # 150 / 100 - 1
    assert m["growth"][-1] is None  # December 2023 had no revenue
    assert m["partial"][0] and m["partial"][-1]  # both months cut at the 15th
    q = sales.trend(make(rows), "quarter")
    assert q["label"].to_list() == ["2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1"]
    assert q["yoy_growth"][-1] == pytest.approx(0.5)
    with pytest.raises(InputError):
        sales.trend(make(rows), "fortnight")


def test_seasonality_index_skips_partial_months(orders):
    s = sales.seasonality(orders)
    assert s["month_name"].to_list() == ["Jan", "Feb"]
    # only February is complete: mean of complete months = 300 -> index 1.0
    assert s["index"].to_list() == [None, 1.0]


# ---------------------------------------------------------------- breakdowns
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


# ---------------------------------------------------------------- Pareto
def test_pareto_customers(orders):
    p = sales.pareto(orders, "customer_id", top_n=2)
    # A 100+50+60+30 = 240, B 200+40 = 240, D 90+80 = 170, C 50; total 700
    assert p.table["key"].to_list() == ["A", "B", "D", "C"]
    assert p.table["cum_share"].to_list() == pytest.approx([240 / 700, 480 / 700, 650 / 700, 1])
    assert p.top_n_share == pytest.approx(480 / 700)
    assert p.n_for_80 == 3  # 480/700 = 68.6% < 80% <= 650/700 = 92.9%
    assert p.top_20pct_share == pytest.approx(240 / 700)  # ceil(0.2 * 4) = 1 customer
    # HHI = (240^2 + 240^2 + 170^2 + 50^2) / 700^2 = 146600 / 490000
    assert p.hhi == pytest.approx(146600 / 490000)
    assert p.risk == "high"  # largest 34.3% > 25%
    assert "Top 2 customers = 68.6% of revenue" in p.statement()


def test_pareto_low_risk_when_spread_evenly():
    rows = [
        (f"o{i}", f"C{i}", date(2024, 1, 1), "P", "K", "R", 10, 5, "delivered", 30, "F")
        for i in range(20)
    ]
    p = sales.pareto(make(rows))
    # 20 equal customers: HHI = 20 * (1/20)^2 = 0.05, largest 5%; 80% needs 16 customers
    assert p.hhi == pytest.approx(0.05) and p.risk == "low" and p.n_for_80 == 16


# ---------------------------------------------------------------- root cause
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


# ---------------------------------------------------------------- leakage
def test_status_breakdown(orders):
    t = sales.status_breakdown(orders)
    # delivered 100+50+200+60+90+80 = 580 over o1 o2 o4 o6 o8; returned 50+30; cancelled 40
    assert t.select("status", "revenue", "orders", "lines").rows() == [
        ("delivered", 580.0, 5, 6),
        ("returned", 80.0, 2, 2),
        ("cancelled", 40.0, 1, 1),
    ]
    with pytest.raises(InputError, match="status"):
        sales.status_breakdown(orders.drop("status"))


def test_returns_by_product_and_category(orders):
    t = sales.returns_by(orders, "product")
    # P3 returned 50 of 140, P2 30 of 120, P1 none of 440
    assert t["value"].to_list() == ["P3", "P2", "P1"]
    assert t["return_rate"].to_list() == pytest.approx([50 / 140, 0.25, 0.0])
    assert t["share_of_returns"].to_list() == pytest.approx([0.625, 0.375, 0.0])
    c = sales.returns_by(orders, "category")
    assert c.row(0, named=True)["return_rate"] == pytest.approx(80 / 260)  # Cat2


# ---------------------------------------------------------------- page helpers
def test_kpi_deltas_in_words_and_the_comparison_basis(orders):
    cmp = sales.compare_kpis(orders, Period(date(2024, 2, 10), date(2024, 2, 29)))
    # revenue 240 vs 110: +130 / 110 = +118.18%; no data a year earlier, so no YoY part
    assert cmp.delta("revenue") == "+118.2%"
    # return rate 30/240 = 12.5% vs 50/110 = 45.45%: -32.95 percentage points
    assert cmp.delta("return_rate") == "-33.0 pts"
    assert cmp.basis() == (
        "Deltas: against the previous 20 days (2024-01-21 to 2024-02-09); no data a year earlier."
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


def test_default_preset_and_baseline():
    presets = sales.period_presets(date(2023, 1, 10), date(2024, 2, 29))
    assert sales.default_preset(presets) == "Last full month"
    # data within 10-20 Jan 2024: December 2023 is before the data, no last full month
    short = sales.period_presets(date(2024, 1, 10), date(2024, 1, 20))
    assert sales.default_preset(short) == "Whole range"
    # February 2024 has 29 days: the 29 days before end on 31 Jan
    assert sales.baseline(FEB, "previous") == Period(date(2024, 1, 3), date(2024, 1, 31))
    assert sales.baseline(FEB, "last_year") == Period(date(2023, 2, 1), date(2023, 2, 28))
    with pytest.raises(InputError, match="comparison"):
        sales.baseline(FEB, "yesterday")


def test_growth_rows_and_trend_figures(orders):
    t = sales.trend(orders, "month")
    # January has no month before it; February 300 vs 400 = -25%
    g = sales.growth_rows(t)
    assert g["label"].to_list() == ["2024-02"] and g["growth"].to_list() == [-0.25]
    assert sales.growth_rows(t, "yoy_growth").height == 0  # no 2023 data
    fig = sales.trend_figures(t)
    assert fig.columns[0] == "label" and {"period", "period_end"}.isdisjoint(fig.columns)


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


def test_pareto_noun_and_named_table(orders):
    p = sales.pareto(orders, "product")
    assert p.noun == "products" and "product" in p.named_table().columns
    c = sales.pareto(orders)
    assert c.noun == "customers" and c.named_table()["customer_id"].to_list() == [
        "A", "B", "D", "C",
    ]  # fmt: skip


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


def test_status_labels_in_words(orders):
    t = sales.label_statuses(sales.status_breakdown(orders))
    assert t["status"].to_list() == ["Delivered", "Returned", "Cancelled"]
    other = pl.DataFrame({"status": ["in_transit", "unknown", "(missing)", "lost"]})
    assert sales.label_statuses(other)["status"].to_list() == [
        "In transit", "Unknown", "(missing)", "lost",
    ]  # fmt: skip
