"""core.charts.segments: each chart of the Customers & segments page builds from a small frame,
validates as Vega-Lite (to_dict) and carries the expected marks, fields and tooltips."""

from __future__ import annotations

from datetime import date

import polars as pl

from core.charts import segments as sc


def spec(chart) -> dict:
    return chart.to_dict()  # validates against the Vega-Lite schema


def _tips(enc: dict) -> list[str]:
    return [t["field"] for t in enc["tooltip"]]


SUMMARY = pl.DataFrame(
    {
        "rfm_segment": ["Champions", "Lost"],
        "customers": [2, 8],
        "customer_share": [0.2, 0.8],
        "revenue": [900.0, 100.0],
        "revenue_share": [0.9, 0.1],
        "orders": [10, 8],
        "aov": [90.0, 12.5],
        "revenue_per_customer": [450.0, 12.5],
        "repeat_rate": [1.0, 0.0],
    }
)


def test_share_bars_fold_customer_and_revenue_shares():
    d = spec(sc.share_bars(SUMMARY, "rfm_segment", ["Champions", "Lost"], "Customers vs revenue"))
    assert d["mark"]["type"] == "bar"
    assert d["transform"][0]["fold"] == ["customer_share", "revenue_share"]
    enc = d["encoding"]
    assert enc["y"]["field"] == "rfm_segment" and enc["y"]["sort"] == ["Champions", "Lost"]
    assert enc["yOffset"]["field"] == "measure" and enc["x"]["field"] == "share"
    assert enc["color"]["scale"]["domain"] == ["share of customers", "share of revenue"]
    assert _tips(enc) == ["rfm_segment", "measure", "share"]
    # 2 groups -> the minimum height of 160 px (34 px per group would be 68)
    assert d["height"] == 160


def test_segment_map_rect_name_and_count_layers():
    cells = pl.DataFrame(
        {
            "r": [5, 1],
            "fm": [5, 1],
            "rfm_segment": ["Champions", "Lost"],
            "customers": [1200, 3],
            "customer_share": [0.9, 0.1],
            "revenue": [900.0, 100.0],
            "revenue_share": [0.9, 0.1],
        }
    )
    d = spec(sc.segment_map(cells))
    rect, name, count = d["layer"]
    assert rect["mark"]["type"] == "rect"
    assert rect["encoding"]["color"]["scale"]["domain"][0] == "Champions"
    assert "customers" in _tips(rect["encoding"]) and "revenue_share" in _tips(rect["encoding"])
    assert name["encoding"]["text"]["field"] == "rfm_segment"
    assert count["encoding"]["text"]["field"] == "label"
    assert "' customers'" in count["transform"][0]["calculate"]
    assert "Champions" in name["encoding"]["color"]["condition"]["test"]
    # the labels fit a cell at any width: 2 R columns -> a cell is width / 2
    for layer in (name, count):
        assert layer["mark"]["limit"] == {"expr": "(width / 2) - 6"}
        assert layer["mark"]["fontSize"] == {"expr": "(width / 2) < 70 ? 9 : 11"}
    assert "(width / 2) < 90 ? ''" in count["transform"][0]["calculate"]


def test_per_customer_and_aov_bars_keep_the_group_order():
    d = spec(
        sc.per_customer_bars(SUMMARY, "rfm_segment", ["Lost", "Champions"], "Per customer", "seg")
    )
    assert d["mark"]["type"] == "bar"
    assert d["encoding"]["x"]["field"] == "revenue_per_customer"
    assert d["encoding"]["y"]["sort"] == ["Lost", "Champions"]
    assert d["encoding"]["color"]["field"] == "rfm_segment"  # segment colours
    tips = _tips(d["encoding"])
    assert tips == ["rfm_segment", "customers", "revenue_per_customer", "aov", "repeat_rate"]
    tiers = SUMMARY.rename({"rfm_segment": "value_tier"})
    d = spec(sc.aov_bars(tiers, "value_tier", ["Champions", "Lost"], "AOV", "tier"))
    assert d["encoding"]["x"]["field"] == "aov" and "color" not in d["encoding"]
    assert _tips(d["encoding"]) == ["value_tier", "aov", "orders", "customers"]


def test_histograms():
    dist = pl.DataFrame(
        {
            "orders": ["1", "2", "3+"],
            "customers": [5, 3, 2],
            "share": [0.5, 0.3, 0.2],
            "revenue_share": [0.2, 0.3, 0.5],
        }
    )
    d = spec(sc.orders_histogram(dist))
    assert d["mark"]["type"] == "bar" and d["encoding"]["x"]["sort"] == ["1", "2", "3+"]
    assert _tips(d["encoding"]) == ["orders", "customers", "share", "revenue_share"]
    buckets = pl.DataFrame(
        {
            "bucket": ["0-7 days", "8-30 days"],
            "customers": [4, 6],
            "share": [0.4, 0.6],
            "cumulative_share": [0.4, 1.0],
        }
    )
    d = spec(sc.second_order_histogram(buckets))
    assert d["encoding"]["x"]["field"] == "bucket" and d["encoding"]["y"]["field"] == "customers"
    assert _tips(d["encoding"])[-1] == "cumulative_share"


def test_difference_ci_rule_point_and_zero_line():
    frame = pl.DataFrame(
        {
            "measure": ["average revenue"],
            "difference": [70.0],
            "ci_low": [60.0],
            "ci_high": [80.0],
            "p_value": [0.001],
        }
    )
    d = spec(sc.difference_ci(frame, "Yes minus No", ",.0f"))
    rule, point, zero = d["layer"]
    assert rule["mark"]["type"] == "rule" and rule["encoding"]["x2"]["field"] == "ci_high"
    assert point["mark"]["type"] == "point"
    assert _tips(point["encoding"]) == ["measure", "difference", "ci_low", "ci_high", "p_value"]
    assert zero["mark"]["type"] == "rule"


def test_revenue_history_and_top_items():
    timeline = pl.DataFrame(
        {
            "order_date": [date(2024, 1, 5), date(2024, 3, 1)],
            "revenue": [10.0, 20.0],
            "cumulative_revenue": [10.0, 30.0],
        }
    )
    d = spec(sc.revenue_history(timeline))
    assert d["mark"]["type"] == "line" and d["mark"]["interpolate"] == "step-after"
    assert d["encoding"]["y"]["field"] == "cumulative_revenue"
    assert _tips(d["encoding"]) == ["order_date", "revenue", "cumulative_revenue"]
    items = pl.DataFrame(
        {"product": ["A", "B"], "revenue": [90.0, 50.0], "customers": [3, 2]}
    ).with_columns((pl.col("revenue") / 140).alias("share_of_group"))
    d = spec(sc.top_items(items, "product", "Champions"))
    assert d["title"] == "Top products of Champions customers"
    assert d["encoding"]["y"]["field"] == "product" and d["encoding"]["x"]["field"] == "revenue"
    assert _tips(d["encoding"]) == ["product", "revenue", "customers", "share_of_group"]
