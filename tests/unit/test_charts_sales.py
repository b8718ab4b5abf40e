"""core.charts.sales: each builder makes a valid Vega-Lite spec (to_dict validates it) from a small
core.sales result, with the expected mark, fields and tooltips."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from core import charts, sales
from core.charts import sales as sc
from core.sales import Period

JAN = Period(date(2024, 1, 1), date(2024, 1, 31))
FEB = Period(date(2024, 2, 1), date(2024, 2, 29))


@pytest.fixture
def orders() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "customer_id": ["A", "B", "A", "C"],
            "order_id": ["o1", "o2", "o3", "o4"],
            "order_date": [
                date(2024, 1, 10),
                date(2024, 1, 20),
                date(2024, 2, 5),
                date(2024, 2, 9),
            ],
            "revenue": [100.0, 200.0, 60.0, 90.0],
            "product": ["P1", "P2", "P1", "P3"],
            "category": ["K1", "K2", "K1", "K2"],
            "region": ["West", "East", "West", "East"],
            "status": ["delivered", "returned", "delivered", "in_transit"],
        }
    )


def layers(d: dict) -> list[dict]:
    return d.get("layer", [d])


def mark(layer: dict) -> str:
    m = layer["mark"]
    return m if isinstance(m, str) else m["type"]


def title(d: dict) -> str:
    """A layered chart keeps its title on the first layer."""
    return d.get("title", layers(d)[0].get("title"))


def tips(layer: dict) -> list[str]:
    return [t["field"] for t in layer["encoding"]["tooltip"]]


def test_measure_trend_lines_with_partial_points(orders):
    t = sales.trend(orders, "month")
    d = sc.measure_trend(t, "month", "orders").to_dict()
    line, points = layers(d)
    assert mark(line) == "line" and mark(points) == "point"
    assert line["encoding"]["x"]["field"] == "period"
    assert line["encoding"]["y"]["axis"]["format"] == charts.COUNT  # orders are counts
    assert title(d) == "Orders by month"
    assert {"label", "revenue", "growth", "yoy_growth"} <= set(tips(line))
    assert points["encoding"]["shape"]["field"] == "period_kind"
    d = sc.measure_trend(t, "month").to_dict()
    assert layers(d)[0]["encoding"]["y"]["axis"]["format"] == charts.MONEY


def test_growth_bars_previous_and_year_over_year():
    rows = pl.DataFrame(
        {
            "period": [date(2024, 2, 1), date(2024, 3, 1)],
            "revenue": [1.0, 2.0],
            "growth": [0.5, 1.0],
            "yoy_growth": [0.1, 0.2],
        }
    )
    d = sc.growth_bars(rows, "month").to_dict()
    assert mark(d) == "bar" and title(d) == "Revenue growth vs previous month"
    assert (
        d["encoding"]["y"]["field"] == "growth" and d["encoding"]["color"]["field"] == "direction"
    )
    assert tips(d) == ["period_label", "revenue", "growth"]
    # one ordinal band per month, in time order: each bar under its own label
    assert d["encoding"]["x"]["field"] == "period_label" and d["encoding"]["x"]["sort"] is None
    (data,) = d["datasets"].values()
    assert [r["period_label"] for r in data] == ["Feb 2024", "Mar 2024"]
    d = sc.growth_bars(rows, "month", "yoy_growth").to_dict()
    assert title(d) == "Revenue growth year over year"
    assert d["encoding"]["y"]["field"] == "yoy_growth"


def test_new_vs_returning_stacks_two_series(orders):
    d = sc.new_vs_returning(sales.trend(orders, "month"), "month").to_dict()
    assert mark(d) == "bar" and d["encoding"]["y"]["stack"] == "zero"
    assert d["encoding"]["color"]["sort"] == ["New customers", "Returning customers"]
    assert d["encoding"]["x"]["field"] == "period_label"
    assert d["encoding"]["x"]["type"] == "ordinal"
    assert "partial" in d["encoding"]["opacity"]["condition"]["test"]  # partial months lighter


def test_period_labels_per_grain():
    df = pl.DataFrame({"period": [date(2024, 3, 4)]})
    labels = {g: charts.with_period_labels(df, g)["period_label"][0] for g in sales.GRAINS}
    assert labels == {
        "day": "4 Mar 2024",
        "week": "4 Mar 2024",
        "month": "Mar 2024",
        "quarter": "Q1 2024",
    }


def test_seasonality_heatmap_months_in_calendar_order(orders):
    d = sc.seasonality_heatmap(sales.seasonality(orders)).to_dict()
    rect, text = layers(d)
    assert mark(rect) == "rect" and mark(text) == "text"
    assert rect["encoding"]["x"]["sort"] == sc.MONTHS and rect["encoding"]["y"]["field"] == "year"
    assert tips(rect) == ["year", "month_name", "revenue", "index", "partial"]


def test_breakdown_bars_carry_the_click_selection_and_a_limit(orders):
    t = sales.breakdown(
        sales.in_period(orders, FEB), "region", previous=sales.in_period(orders, JAN)
    )
    d = sc.breakdown_bars(t, "region", select="pick").to_dict()
    assert mark(d) == "bar" and d["params"][0]["name"] == "pick"
    assert d["encoding"]["y"]["field"] == "value" and d["encoding"]["y"]["title"] == "region"
    assert tips(d) == ["value", "revenue", "orders", "customers", "aov", "share", "growth"]
    assert title(d) == "Revenue by region (click bars to filter the page)"
    d = sc.breakdown_bars(sales.breakdown(orders, "product"), "product", limit=2).to_dict()
    # two of three products drawn; no growth without a previous period; no selection
    assert len(next(iter(d["datasets"].values()))) == 2
    assert "growth" not in tips(d) and "params" not in d


def test_top_products_coloured_by_category(orders):
    d = sc.top_products_bars(sales.top_products(orders, 1), 1).to_dict()
    assert mark(d) == "bar" and d["encoding"]["color"]["field"] == "category"
    assert title(d) == "Top 1 products per category"
    assert tips(d) == ["category", "rank", "product", "revenue", "orders", "share"]


def test_pareto_chart_names_its_entities(orders):
    d = sc.pareto_chart(sales.pareto(orders, "product")).to_dict()
    line, _diagonal, eighty = layers(d)
    assert mark(line) == "line" and mark(eighty) == "rule"
    assert line["encoding"]["x"]["title"] == "share of products (largest first)"
    assert title(d) == "Pareto curve of products"


def test_bridge_waterfall_and_contribution_bars(orders):
    b = sales.revenue_bridge(orders, JAN, FEB)
    d = sc.bridge_waterfall(b).to_dict()
    bars, labels = layers(d)
    assert mark(bars) == "bar" and mark(labels) == "text"
    assert bars["encoding"]["x"]["sort"][0] == "Revenue 2024-01-01 to 2024-01-31"
    assert title(d) == "Revenue bridge: 2024-01-01 to 2024-01-31 → 2024-02-01 to 2024-02-29"
    top = sales.top_contributions(sales.change_contributions(orders, JAN, FEB, "region"))
    d = sc.contribution_bars(top, "region").to_dict()
    assert mark(d) == "bar" and d["encoding"]["y"]["field"] == "points"
    assert d["encoding"]["y"]["axis"]["format"] == "+.1f"
    assert tips(d) == ["value", "revenue_a", "revenue_b", "change", "points", "driver"]


def test_returns_charts(orders):
    d = sc.status_bars(sales.label_statuses(sales.status_breakdown(orders))).to_dict()
    assert mark(d) == "bar" and d["encoding"]["y"]["field"] == "status"
    assert tips(d) == ["status", "revenue", "orders", "lines", "share"]
    values = {r["status"] for r in next(iter(d["datasets"].values()))}
    assert values == {"Delivered", "Returned", "In transit"}
    d = sc.return_rate_bars(sales.returns_by(orders, "category")).to_dict()
    assert d["encoding"]["x"]["field"] == "return_rate"
    assert d["encoding"]["x"]["axis"]["format"] == charts.PCT
    assert title(d) == "Return rate by category"
    d = sc.returned_revenue_bars(sales.returns_by(orders, "product"), limit=1).to_dict()
    assert d["encoding"]["x"]["field"] == "returned_revenue"
    assert title(d) == "Returned revenue by product (1 largest)"
    assert tips(d) == ["value", "revenue", "returned_revenue", "return_rate", "returned_orders"]


def test_fit_keeps_a_sales_chart_valid(orders):
    d = charts.fit(sc.breakdown_bars(sales.breakdown(orders, "region"), "region")).to_dict()
    assert d["autosize"] == {"type": "fit-x", "contains": "padding"}
