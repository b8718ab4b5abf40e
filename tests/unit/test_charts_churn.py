"""core.charts.churn: each builder makes a valid Vega-Lite spec (to_dict validates it against
the schema) with the expected marks, fields and tooltips, from small frames made by core."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from core import churn, clv, cohorts
from core.charts import churn as charts


def spec(chart) -> dict:
    return chart.to_dict()


def tips(encoding: dict) -> list[str]:
    return [t["field"] for t in encoding["tooltip"]]


def rows(d: dict) -> list[dict]:
    return next(iter(d["datasets"].values()))


@pytest.fixture
def activity() -> pl.DataFrame:
    # recency 10 (active), 70 (at risk), 200 (churned) at the default 90 / 60 days
    return pl.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "recency_days": [10, 70, 200],
            "revenue": [100.0, 50.0, 30.0],
            "revenue_365d": [100.0, 50.0, 0.0],
        }
    )


@pytest.fixture
def cells() -> pl.DataFrame:
    orders = pl.DataFrame(
        {
            "customer_id": ["P", "P", "Q"],
            "order_date": [date(2024, 1, 5), date(2024, 2, 5), date(2024, 2, 9)],
            "revenue": [10.0, 20.0, 5.0],
        }
    )
    return cohorts.cohort_retention(orders)


@pytest.mark.parametrize(("measure", "fmt"), [("customers", ",d"), ("revenue_365d", ",.0f")])
def test_inactivity_bars(activity: pl.DataFrame, measure: str, fmt: str) -> None:
    d = spec(charts.inactivity_bars(churn.inactivity_buckets(activity), measure))
    enc = d["encoding"]
    assert d["mark"]["type"] == "bar"
    assert enc["x"]["field"] == "bucket" and enc["x"]["sort"] is None  # 0-30 first, as given
    assert enc["y"]["field"] == measure and enc["y"]["axis"]["format"] == fmt
    assert tips(enc) == ["bucket", "customers", "share", "revenue_365d", "revenue"]
    assert [r["bucket"] for r in rows(d)] == ["0-30", "31-60", "61-90", "91-180", "180+"]
    with pytest.raises(ValueError, match="measure"):
        charts.inactivity_bars(churn.inactivity_buckets(activity), "orders")


def test_recency_histogram_uses_status_labels_and_threshold_rules(activity) -> None:
    dist = churn.with_status_labels(churn.recency_distribution(activity, 90, 60, 30))
    d = spec(charts.recency_histogram(dist, 90, 60))
    bars, rules = d["layer"]
    assert bars["mark"]["type"] == "bar" and rules["mark"]["type"] == "rule"
    assert bars["encoding"]["x"]["field"] == "bin_start" and bars["encoding"]["x2"]["field"]
    assert bars["encoding"]["color"]["scale"]["domain"] == ["Active", "At risk", "Churned"]
    assert tips(bars["encoding"]) == ["bin_start", "bin_end", "status", "customers"]
    assert tips(rules["encoding"]) == ["line"]
    # bins of 30 days: 10 -> [0, 30) active, 70 -> [60, 90) at risk, 200 -> [180, 210) churned
    data = d["datasets"]
    bar_rows = data[bars["data"]["name"]]
    assert [(r["bin_start"], r["status"]) for r in bar_rows] == [
        (0, "Active"), (60, "At risk"), (180, "Churned")
    ]  # fmt: skip
    assert [r["days"] for r in data[rules["data"]["name"]]] == [60, 90]


def test_retention_trend() -> None:
    pr = pl.DataFrame(
        {
            "period": [date(2024, 1, 1), date(2024, 2, 1)],
            "label": ["2024-01", "2024-02"],
            "customers": [2, 2],
            "previous_customers": [None, 2],
            "retained": [None, 1],
            "retention": [None, 0.5],
            "churn": [None, 0.5],
            "partial": [False, True],
        }
    )
    d = spec(charts.retention_trend(churn.retention_long(pr), "month"))
    enc = d["encoding"]
    assert d["mark"]["type"] == "line"
    assert enc["x"]["field"] == "period" and enc["x"]["type"] == "temporal"
    assert enc["y"]["field"] == "rate" and enc["y"]["axis"]["format"] == "%"
    assert enc["color"]["scale"]["domain"] == ["Retention", "Churn"]
    assert enc["opacity"]["condition"]["test"] == "datum.partial"
    assert tips(enc)[:3] == ["label", "measure", "rate"]
    assert enc["tooltip"][0]["title"] == "Month"


def test_cohort_heatmap_scale_stops_at_the_ceiling(cells: pl.DataFrame) -> None:
    d = spec(charts.cohort_heatmap(cells, "retention", ceiling=0.4))
    enc = d["encoding"]
    assert d["mark"]["type"] == "rect"
    assert (enc["x"]["field"], enc["y"]["field"]) == ("age", "cohort_label")
    assert enc["color"]["field"] == "retention"
    assert enc["color"]["scale"]["domain"] == [0, 0.4] and enc["color"]["scale"]["clamp"]
    assert "revenue_retention" in tips(enc) and "cohort_size" in tips(enc)
    # default ceiling from the data: ages 1+ hold one cell, Jan's month 1 = 1 of 1 = 1.0
    auto = spec(charts.cohort_heatmap(cells, "revenue_retention"))
    assert auto["encoding"]["color"]["field"] == "revenue_retention"
    assert auto["encoding"]["color"]["scale"]["domain"] == [0, pytest.approx(2.0)]  # 20 / 10


def test_cohort_curve(cells: pl.DataFrame) -> None:
    long = cohorts.curve_long(cohorts.average_curve(cells), "retention")
    d = spec(charts.cohort_curve(long, "Customers retention"))
    enc = d["encoding"]
    assert d["mark"]["type"] == "line"
    assert enc["x"]["field"] == "age" and enc["y"]["title"] == "Customers retention"
    assert enc["color"]["field"] == "average"
    assert tips(enc) == ["age", "average", "rate", "cohorts", "customers"]
    assert d["params"][0]["bind"] == "scales"  # zoom and pan


def test_frequency_and_holdout_fit_charts() -> None:
    hist = pl.DataFrame(
        {"frequency": [0, 1], "label": ["0", "1+"], "actual": [10, 5], "expected": [9.5, 5.5]}
    )
    d = spec(charts.frequency_fit(clv.frequency_histogram_long(hist)))
    enc = d["encoding"]
    assert d["mark"]["type"] == "bar" and enc["xOffset"]["field"] == "series"
    assert enc["x"]["sort"] == ["0", "1+"]
    assert enc["color"]["scale"]["domain"] == ["Actual", "Model"]
    assert tips(enc) == ["label", "series", "customers"]
    hs = pl.DataFrame(
        {
            "frequency_cal": [0, 1],
            "label": ["0", "1+"],
            "customers": [8, 2],
            "actual": [0.5, 1.5],
            "predicted": [0.4, 1.7],
        }
    )
    h = spec(charts.holdout_fit(clv.holdout_summary_long(hs), "Holdout"))
    assert h["mark"]["type"] == "line" and h["title"] == "Holdout"
    assert h["encoding"]["y"]["field"] == "purchases"
    assert h["encoding"]["color"]["scale"]["domain"] == ["Actual", "Model"]
    assert tips(h["encoding"]) == ["label", "series", "purchases", "customers"]
