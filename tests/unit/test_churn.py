"""core.churn on small hand-made frames; every expected value is worked out in the comments."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from core import churn
from core.errors import InputError

D = date
AS_OF = D(2024, 6, 30)

# customer: (order dates, revenue per order). Days since last order at 2024-06-30:
#   A 06-20 -> 10          C 05-01 -> 30 + 30 = 60       B 04-21 -> 9 + 31 + 30 = 70
#   D 04-01 -> 29 + 31 + 30 = 90   E 03-31 -> 91         H 2024-01-02 -> 180
#   I 2024-01-01 -> 31+29+31+30+31 = 152 to June 1, + 29 = 181
#   G 2023-07-02 -> 364    F 2023-07-01 -> 365 (2023-07-01 .. 2024-07-01 is 366 days, leap year)
_ORDERS = {
    "A": [(D(2024, 5, 21), 50.0), (D(2024, 6, 20), 100.0)],
    "B": [(D(2024, 4, 21), 200.0)],
    "C": [(D(2024, 5, 1), 40.0)],
    "D": [(D(2024, 4, 1), 300.0)],
    "E": [(D(2024, 3, 31), 80.0)],
    "F": [(D(2023, 1, 10), 500.0), (D(2023, 7, 1), 60.0)],
    "G": [(D(2023, 7, 2), 25.0)],
    "H": [(D(2024, 1, 2), 15.0)],
    "I": [(D(2024, 1, 1), 10.0)],
}


def _orders(spec: dict[str, list[tuple[date, float]]]) -> pl.DataFrame:
    rows = [(c, f"{c}{i}", d, r) for c, lines in spec.items() for i, (d, r) in enumerate(lines)]
    return pl.DataFrame(
        rows,
        schema={
            "customer_id": pl.Utf8,
            "order_id": pl.Utf8,
            "order_date": pl.Date,
            "revenue": pl.Float64,
        },
        orient="row",
    ).with_columns(status=pl.lit("delivered"))


@pytest.fixture
def activity() -> pl.DataFrame:
    return churn.customer_activity(_orders(_ORDERS), AS_OF)


def test_customer_activity_recency_and_365_day_window(activity: pl.DataFrame) -> None:
    got = dict(zip(activity["customer_id"], activity["recency_days"], strict=True))
    assert got == {"A": 10, "B": 70, "C": 60, "D": 90, "E": 91, "F": 365, "G": 364, "H": 180,
                   "I": 181}  # fmt: skip
    rev = dict(zip(activity["customer_id"], activity["revenue_365d"], strict=True))
    # window = order_date > 2024-06-30 - 365 days = 2023-07-01: F's 2023-07-01 order is out,
    # G's 2023-07-02 order is in.
    assert rev["F"] == 0.0 and rev["G"] == 25.0 and rev["A"] == 150.0
    row = activity.filter(pl.col("customer_id") == "F").row(0, named=True)
    # 2023-01-10 -> 2023-07-01 = 21 + 28 + 31 + 30 + 31 + 30 + 1 = 172 days, one gap
    assert row["avg_days_between_orders"] == 172.0
    assert row["revenue"] == 560.0 and row["orders"] == 2


def test_orders_after_as_of_are_ignored() -> None:
    spec = {"A": [(D(2024, 6, 1), 10.0), (D(2024, 7, 15), 99.0)]}
    act = churn.customer_activity(_orders(spec), AS_OF)
    # only the June order counts: recency 29, revenue 10
    assert act.row(0, named=True)["recency_days"] == 29
    assert act.row(0, named=True)["revenue"] == 10.0


def test_kpis_default_thresholds(activity: pl.DataFrame) -> None:
    k = churn.churn_kpis(activity, 90, 60)
    # active <= 60: A(10), C(60); at risk 61..90: B(70), D(90); churned > 90: E, F, G, H, I
    assert (k.customers, k.active, k.at_risk, k.churned) == (9, 2, 2, 5)
    assert k.churn_rate == pytest.approx(5 / 9)
    assert k.retention_rate == pytest.approx(4 / 9)
    # revenue_365d: A150 B200 C40 D300 E80 F0 G25 H15 I10 = 820
    assert k.revenue_365d == pytest.approx(820.0)
    # at risk: B200 + D300 = 500; churned: E80 + F0 + G25 + H15 + I10 = 130; total 630
    assert k.revenue_365d_at_risk == pytest.approx(500.0)
    assert k.revenue_365d_churned == pytest.approx(130.0)
    assert k.revenue_at_risk == pytest.approx(630.0)
    assert k.revenue_at_risk_share == pytest.approx(630 / 820)


def test_kpis_move_with_thresholds(activity: pl.DataFrame) -> None:
    k = churn.churn_kpis(activity, churn_days=180, at_risk_days=90)
    # active <= 90: A, C, B, D; at risk 91..180: E(91), H(180); churned > 180: F, G, I
    assert (k.active, k.at_risk, k.churned) == (4, 2, 3)
    # at risk E80 + H15 = 95; churned F0 + G25 + I10 = 35
    assert k.revenue_at_risk == pytest.approx(130.0)
    assert k.churn_rate == pytest.approx(3 / 9)


def test_kpis_ignore_customers_without_orders(activity: pl.DataFrame) -> None:
    extra = pl.DataFrame({"customer_id": ["Z"], "recency_days": [None], "revenue_365d": [None]})
    hub = pl.concat([activity.select("customer_id", "recency_days", "revenue_365d"), extra],
                    how="vertical_relaxed")  # fmt: skip
    assert churn.churn_kpis(hub).customers == 9


def test_thresholds_are_checked() -> None:
    frame = pl.DataFrame({"customer_id": ["a"], "recency_days": [1], "revenue_365d": [1.0]})
    with pytest.raises(InputError, match="must not exceed"):
        churn.churn_kpis(frame, churn_days=30, at_risk_days=60)
    with pytest.raises(InputError, match="at least 1 day"):
        churn.churn_kpis(frame, churn_days=0, at_risk_days=0)
    # equal thresholds are allowed: there is simply no at-risk band
    k = churn.churn_kpis(frame, churn_days=30, at_risk_days=30)
    assert k.at_risk == 0 and k.active == 1


def test_inactivity_buckets(activity: pl.DataFrame) -> None:
    b = churn.inactivity_buckets(activity)
    assert b["bucket"].to_list() == ["0-30", "31-60", "61-90", "91-180", "180+"]
    # 0-30: A; 31-60: C(60); 61-90: B(70), D(90); 91-180: E(91), H(180); 180+: I(181), G, F
    assert b["customers"].to_list() == [1, 1, 2, 2, 3]
    # lifetime revenue: A 150; C 40; B+D 500; E+H 95; I10 + G25 + F560 = 595
    assert b["revenue"].to_list() == pytest.approx([150.0, 40.0, 500.0, 95.0, 595.0])
    # last 365 days: F contributes 0, so 180+ is 10 + 25 = 35
    assert b["revenue_365d"].to_list() == pytest.approx([150.0, 40.0, 500.0, 95.0, 35.0])
    assert b["share"].sum() == pytest.approx(1.0)


def test_empty_buckets_are_zero() -> None:
    act = churn.customer_activity(_orders({"A": [(D(2024, 6, 30), 5.0)]}), AS_OF)
    b = churn.inactivity_buckets(act)
    assert b["customers"].to_list() == [1, 0, 0, 0, 0]
    assert b["revenue"].to_list() == [5.0, 0.0, 0.0, 0.0, 0.0]


def test_recency_distribution(activity: pl.DataFrame) -> None:
    d = churn.recency_distribution(activity, 90, 60, bin_days=30)
    # bins of 30 days: [0,30) A; [60,90) C(60, active) B(70, at risk); [90,120) D(90, at risk),
    # E(91, churned); [180,210) H, I; [360,390) G, F
    got = {(r["bin_start"], r["status"]): r["customers"] for r in d.iter_rows(named=True)}
    assert got == {
        (0, "active"): 1,
        (60, "active"): 1,
        (60, "at_risk"): 1,
        (90, "at_risk"): 1,
        (90, "churned"): 1,
        (180, "churned"): 2,
        (360, "churned"): 2,
    }
    assert d["customers"].sum() == 9


def test_status_summary(activity: pl.DataFrame) -> None:
    s = churn.status_summary(activity)
    assert s["status"].to_list() == ["active", "at_risk", "churned"]
    assert s["customers"].to_list() == [2, 2, 5]
    # revenue_365d: active A150 + C40 = 190; at risk 500; churned 130
    assert s["revenue_365d"].to_list() == pytest.approx([190.0, 500.0, 130.0])


# ---------------------------------------------------------------- threshold suggestion
def test_suggest_thresholds_percentiles() -> None:
    base = D(2024, 1, 1)
    plus = lambda n: D.fromordinal(base.toordinal() + n)  # noqa: E731
    spec = {
        # X: days 0, 10, 30, 60, 100, 150 -> gaps 10, 20, 30, 40, 50 (+ a second order on day 0)
        "X": [(plus(n), 1.0) for n in (0, 0, 10, 30, 60, 100, 150)],
        # Y: days 0, 60, 130, 210, 300, 400 -> gaps 60, 70, 80, 90, 100
        "Y": [(plus(n), 1.0) for n in (0, 60, 130, 210, 300, 400)],
        "Z": [(plus(5), 1.0)],  # one order: no gap
    }
    s = churn.suggest_thresholds(_orders(spec))
    gaps = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    assert s is not None
    assert s.gaps == 10 and s.repeat_customers == 2
    # linear percentiles: p90 at position 8.1 -> 90 + 0.1 * 10 = 91; p75 at 6.75 -> 77.5
    assert s.p90_gap == pytest.approx(np.percentile(gaps, 90)) == pytest.approx(91.0)
    assert s.p75_gap == pytest.approx(77.5)
    assert s.median_gap == pytest.approx(55.0)
    assert (s.churn_days, s.at_risk_days) == (91, 78)


def test_suggest_thresholds_none_without_repeat_customers() -> None:
    assert churn.suggest_thresholds(_orders({"A": [(D(2024, 1, 1), 1.0)]})) is None


def test_suggest_thresholds_on_the_sample_matches_gaps_counted_in_python() -> None:
    """Every gap between a customer's consecutive order days, counted with the csv module and
    sorted lists (customers interleaved, as in a real file), and numpy's linear percentiles."""
    import csv
    from collections import defaultdict
    from pathlib import Path

    from core.ingest import load_orders

    path = Path(__file__).resolve().parents[2] / "data" / "orders.csv"
    days: dict[str, set[date]] = defaultdict(set)
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            days[row["Customer ID"].strip()].add(date.fromisoformat(row["Order Date"][:10]))
    gaps = [
        (b - a).days
        for ds in days.values()
        for a, b in zip(sorted(ds), sorted(ds)[1:], strict=False)
    ]
    s = churn.suggest_thresholds(load_orders(path).orders)
    assert s is not None
    assert s.gaps == len(gaps)
    assert s.repeat_customers == sum(1 for ds in days.values() if len(ds) > 1)
    assert s.p90_gap == pytest.approx(np.percentile(gaps, 90))
    assert s.p75_gap == pytest.approx(np.percentile(gaps, 75))
    assert s.median_gap == pytest.approx(np.median(gaps))


# ---------------------------------------------------------------- period retention
_PERIODS = {
    "P": [(D(2024, 1, 1), 10.0), (D(2024, 2, 10), 20.0), (D(2024, 3, 10), 30.0)],
    "Q": [(D(2024, 1, 15), 5.0), (D(2024, 3, 15), 5.0)],
    "R": [(D(2024, 2, 5), 100.0), (D(2024, 4, 5), 50.0)],
    "S": [(D(2024, 3, 3), 7.0), (D(2024, 3, 20), 3.0), (D(2024, 4, 30), 0.0)],
}


def test_period_retention_monthly() -> None:
    orders = _orders(_PERIODS).filter(pl.col("order_id") != "S2")  # S only in March
    r = churn.period_retention(orders, "month")
    # Jan {P,Q}; Feb {P,R}; Mar {P,Q,S}; Apr {R}
    # Feb: of Jan's 2, P came back -> 1/2; Mar: of Feb's {P,R}, P -> 1/2; Apr: of 3, none -> 0
    assert r["label"].to_list() == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert r["customers"].to_list() == [2, 2, 3, 1]
    assert r["previous_customers"].to_list() == [None, 2, 2, 3]
    assert r["retained"].to_list() == [None, 1, 1, 0]
    assert r["retention"].to_list() == [None, 0.5, 0.5, 0.0]
    assert r["churn"].to_list() == [None, 0.5, 0.5, 1.0]
    # data runs 2024-01-01 .. 2024-04-05: April is partial
    assert r["partial"].to_list() == [False, False, False, True]


def test_period_retention_quarterly_and_gap_months() -> None:
    r = churn.period_retention(_orders(_PERIODS), "quarter", as_of=D(2024, 6, 30))
    # Q1 {P,Q,R,S} = 4; Q2 {R,S} = 2 -> retention 2/4; Q2 is covered to its last day
    assert r["label"].to_list() == ["2024-Q1", "2024-Q2"]
    assert r["customers"].to_list() == [4, 2]
    assert r["retention"].to_list() == [None, 0.5]
    assert r["partial"].to_list() == [False, False]
    spec = {"A": [(D(2024, 1, 5), 1.0), (D(2024, 4, 5), 1.0)]}
    m = churn.period_retention(_orders(spec), "month")
    # Jan 1 customer; Feb 0 (of 1: 0 retained -> 0.0); Mar 0 (no one to retain -> null); Apr 1
    assert m["customers"].to_list() == [1, 0, 0, 1]
    assert m["retention"].to_list() == [None, 0.0, None, None]
    assert m["partial"].to_list() == [True, False, False, True]


def test_period_retention_rejects_unknown_period() -> None:
    with pytest.raises(InputError, match="month"):
        churn.period_retention(_orders(_PERIODS), "week")  # type: ignore[arg-type]


# ---------------------------------------------------------------- churn list
def test_churn_list_order_filter_and_reasons(activity: pl.DataFrame) -> None:
    lst = churn.churn_list(activity, 90, 60)
    # at risk + churned by revenue_365d: D300, B200, E80, G25, H15, I10, F0
    assert lst["customer_id"].to_list() == ["D", "B", "E", "G", "H", "I", "F"]
    assert lst["status"].to_list()[:2] == ["at_risk", "at_risk"]
    reasons = dict(zip(lst["customer_id"], lst["reason"], strict=True))
    # F: 365 days silent, usually every 172 days: 365 / 172 = 2.12 -> 2.1x
    assert reasons["F"] == (
        "no order for 365 days; usually orders every 172 days (2.1x the usual gap)"
    )
    assert reasons["E"] == "no order for 91 days; only one order so far"
    only_churned = churn.churn_list(activity, 90, 60, statuses=["churned"], min_revenue_365d=20)
    assert only_churned["customer_id"].to_list() == ["E", "G"]
    assert churn.churn_list(activity, 90, 60, search="d")["customer_id"].to_list() == ["D"]


def test_churn_list_rederives_status_and_keeps_hub_columns() -> None:
    hub = pl.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "recency_days": [100, 95, 10, 200],
            "orders": [3, 2, 5, 2],
            "revenue": [300.0, 900.0, 50.0, 20.0],
            "revenue_365d": [300.0, 300.0, 50.0, 0.0],
            "avg_days_between_orders": [30.0, 0.0, 2.0, 20.0],
            "rfm_segment": ["At Risk", "Lost", "Champions", "Lost"],
            "status": ["active", "active", "active", "active"],  # stale: ignored
            "p_alive": [0.4, 0.9, 0.99, 0.1],
        }
    )
    lst = churn.churn_list(hub, 90, 60)
    # revenue_365d ties (a, b at 300) are broken by lifetime revenue: b 900 first
    assert lst["customer_id"].to_list() == ["b", "a", "d"]
    assert lst["status"].to_list() == ["churned", "churned", "churned"]
    assert lst["p_alive"].to_list() == [0.9, 0.4, 0.1]
    assert lst["reason"][0] == "no order for 95 days; all orders on a single day"
    # 100 / 30 = 3.33 -> 3.3x
    assert lst["reason"][1] == (
        "no order for 100 days; usually orders every 30 days (3.3x the usual gap)"
    )
    lost = churn.churn_list(hub, 90, 60, segments=["Lost"])
    assert lost["customer_id"].to_list() == ["b", "d"]
    # hub columns the input lacks come out null
    assert lst["expected_clv_365d"].null_count() == 3
    assert churn.churn_list(hub, 300, 250).is_empty()  # recency 200 is active now
    with pytest.raises(InputError, match="unknown status"):
        churn.churn_list(hub, statuses=["gone"])


# ---------------------------------------------------------------- display helpers
def test_status_labels_and_codes() -> None:
    df = pl.DataFrame({"status": ["churned", "active", "at_risk", None]})
    assert churn.with_status_labels(df)["status"].to_list() == [
        "Churned", "Active", "At risk", None
    ]  # fmt: skip
    assert churn.status_codes(["At risk", "Churned"]) == ["at_risk", "churned"]
    assert churn.status_codes(["active"]) == ["active"]  # codes pass through
    with pytest.raises(InputError, match="unknown status 'Gone'"):
        churn.status_codes(["Gone"])


def test_segment_options() -> None:
    hub = pl.DataFrame({"rfm_segment": ["Lost", None, "Champions", "Lost"]})
    assert churn.segment_options(hub) == ["Champions", "Lost"]
    assert churn.segment_options(pl.DataFrame({"customer_id": ["a"]})) == []


def test_definitions_and_suggestion_in_words() -> None:
    text = churn.definitions_text(90, 60, D(2024, 6, 30))
    # at risk = 60 + 1 .. 90 days
    assert "more than **90** days" in text and "61–90 days without an order" in text
    assert "within the last 60 days" in text and "365 days before 2024-06-30" in text
    assert churn.at_risk_band(90, 90) == "none (the two thresholds are equal)"
    assert "on the as-of date" in churn.definitions_text(30, 0, D(2024, 6, 30))
    with pytest.raises(InputError):
        churn.definitions_text(30, 60, D(2024, 6, 30))
    sug = churn.ThresholdSuggestion(91, 78, 10, 2, 55.0, 77.5, 91.0)
    words = churn.suggestion_text(sug)
    assert "churn after **91** days" in words and "within 91 days" in words
    assert "at risk after **78** days" in words and "Median gap between orders: 55 days" in words
    assert "from 10 gaps of 2 repeat customers" in words
    assert "cannot suggest" in churn.suggestion_text(None)


def test_retention_long() -> None:
    orders = _orders(_PERIODS).filter(pl.col("order_id") != "S2")
    long = churn.retention_long(churn.period_retention(orders, "month"))
    # Jan has no rate (first month) and is left out; Feb .. Apr: retention 0.5, 0.5, 0
    # and churn = 1 - retention: 0.5, 0.5, 1
    assert long.height == 6
    assert long["label"].to_list() == ["2024-02", "2024-03", "2024-04"] * 2
    assert long["measure"].to_list() == ["Retention"] * 3 + ["Churn"] * 3
    assert long["rate"].to_list() == [0.5, 0.5, 0.0, 0.5, 0.5, 1.0]
    assert long["previous_customers"].to_list() == [2, 2, 3] * 2


def test_period_retention_keeps_the_last_month_of_a_mid_month_range():
    """Sample orders from 2023-07-15 to 2026-06-10: the grid must run July 2023 .. June 2026.

    The old grid stepped from the first order's date (07-15, 08-15, ...), so June 2026 (whose
    15th lies after the last order) was lost. Customers per month come from the csv module."""
    import csv
    from pathlib import Path

    from core.ingest import load_orders

    path = Path(__file__).resolve().parents[2] / "data" / "orders.csv"
    lo, hi = "2023-07-15", "2026-06-10"
    by_month: dict[str, set[str]] = {}
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            if lo <= row["Order Date"] <= hi:
                by_month.setdefault(row["Order Date"][:7], set()).add(row["Customer ID"])
    orders = load_orders(path).orders.filter(
        pl.col("order_date").is_between(D(2023, 7, 15), D(2026, 6, 10))
    )
    ret = churn.period_retention(orders, "month")
    assert ret["label"][0] == "2023-07" and ret["label"][-1] == "2026-06"
    assert ret.height == 36
    assert ret["partial"][0] and ret["partial"][-1] and not ret["partial"][1:-1].any()
    assert dict(zip(ret["label"], ret["customers"], strict=True)) == {
        m: len(ids) for m, ids in by_month.items()
    }
    june, may = by_month["2026-06"], by_month["2026-05"]
    assert ret["retained"][-1] == len(june & may)
