"""core.charts: each builder makes a valid Vega-Lite spec with the expected encodings."""

from __future__ import annotations

from datetime import date

import altair as alt
import polars as pl
import pytest

from core import charts


def spec(chart) -> dict:
    return chart.to_dict()  # validates against the Vega-Lite schema


def test_bar_with_selection_tooltips_and_sort():
    df = pl.DataFrame({"value": ["West", "East"], "revenue": [240.0, 200.0], "share": [0.6, 0.4]})
    d = spec(
        charts.bar(df, "value", "revenue", select="pick", tooltip=["value", "revenue", "share"])
    )
    enc = d["encoding"]
    assert d["mark"]["type"] == "bar"
    assert enc["y"]["field"] == "value" and enc["y"]["sort"] == "-x"
    assert enc["x"]["field"] == "revenue" and enc["x"]["type"] == "quantitative"
    assert [t["field"] for t in enc["tooltip"]] == ["value", "revenue", "share"]
    assert enc["tooltip"][2]["format"] == charts.PCT  # shares as percentages
    assert d["params"][0] == {"name": "pick", "select": {"type": "point", "fields": ["value"]}}
    assert enc["opacity"]["condition"]["param"] == "pick"


def test_vertical_bar_without_selection():
    df = pl.DataFrame({"status": ["delivered"], "revenue": [1.0]})
    d = spec(charts.bar(df, "status", "revenue", horizontal=False))
    assert d["encoding"]["x"]["field"] == "status" and "params" not in d


def test_selected_values_reads_point_and_missing_selections():
    event = {"selection": {"pick": [{"value": "West"}, {"value": "East"}]}}
    assert charts.selected_values(event, "pick", "value") == ["West", "East"]
    assert charts.selected_values({"selection": {}}, "pick", "value") == []
    assert charts.selected_values(None, "pick", "value") == []


def test_trend_marks_partial_periods():
    df = pl.DataFrame(
        {
            "period": [date(2024, 1, 1), date(2024, 2, 1)],
            "revenue": [400.0, 300.0],
            "partial": [True, False],
        }
    )
    d = spec(charts.trend(df, "period", "revenue"))
    line, points = d["layer"]
    assert line["mark"]["type"] == "line" and points["mark"]["type"] == "point"
    assert line["encoding"]["x"]["field"] == "period"
    assert line["encoding"]["x"]["type"] == "temporal"
    assert points["encoding"]["shape"]["field"] == "period_kind"
    rows = next(iter(d["datasets"].values()))
    assert [r["period_kind"] for r in rows] == [charts.PARTIAL_LABEL, "complete"]
    assert any(t["field"] == "period_kind" for t in line["encoding"]["tooltip"])


def test_trend_several_series():
    df = pl.DataFrame({"period": [date(2024, 1, 1)], "orders": [3.0], "customers": [2.0]})
    d = spec(charts.trend(df, "period", ["orders", "customers"], partial=None))
    rows = next(iter(d["datasets"].values()))
    assert sorted(r["series"] for r in rows) == ["customers", "orders"]


def test_stacked_bars_uses_labels():
    df = pl.DataFrame(
        {"period": [date(2024, 1, 1)], "new_revenue": [400.0], "returning_revenue": [0.0]}
    )
    d = spec(
        charts.stacked_bars(df, "period", {"new_revenue": "New", "returning_revenue": "Returning"})
    )
    assert d["encoding"]["y"]["stack"] == "zero"
    assert d["encoding"]["color"]["field"] == "series"
    rows = next(iter(d["datasets"].values()))
    assert {r["series"] for r in rows} == {"New", "Returning"}


def test_waterfall_floats_effects_between_totals():
    steps = pl.DataFrame(
        {
            "step": ["Jan", "Customers", "Orders per customer", "AOV", "Feb"],
            "amount": [400.0, 0.0, 177.6, -277.6, 300.0],
            "kind": ["total", "effect", "effect", "effect", "total"],
        }
    )
    w = charts.waterfall_data(steps)
    # 400 | 400 -> 400 | 400 -> 577.6 | 577.6 -> 300 | 0 -> 300
    assert w["start"].to_list() == pytest.approx([0, 400, 400, 577.6, 0])
    assert w["end"].to_list() == pytest.approx([400, 400, 577.6, 300, 300])
    assert w["direction"].to_list() == ["total", "increase", "increase", "decrease", "total"]
    d = spec(charts.waterfall(steps))
    bars = d["layer"][0]
    assert bars["encoding"]["y"]["field"] == "start" and bars["encoding"]["y2"]["field"] == "end"
    assert bars["encoding"]["x"]["sort"] == steps["step"].to_list()


def test_pareto_curve_has_reference_lines():
    table = pl.DataFrame(
        {
            "rank": [1, 2],
            "key": ["A", "B"],
            "revenue": [3.0, 1.0],
            "share": [0.75, 0.25],
            "cum_share": [0.75, 1.0],
            "cum_entity_share": [0.5, 1.0],
        }
    )
    d = spec(charts.pareto_curve(table))
    curve, _diagonal, eighty = d["layer"]
    assert curve["encoding"]["x"]["field"] == "cum_entity_share"
    assert curve["encoding"]["y"]["field"] == "cum_share"
    assert eighty["mark"]["type"] == "rule"


def test_heatmap_and_signed_bar():
    df = pl.DataFrame(
        {"year": [2024, 2024], "month_name": ["Jan", "Feb"], "revenue": [400.0, 300.0]}
    )
    d = spec(charts.heatmap(df, "month_name", "year", "revenue", x_sort=["Jan", "Feb"]))
    rect = d["layer"][0]
    assert rect["mark"]["type"] == "rect"
    assert rect["encoding"]["color"]["field"] == "revenue"
    g = pl.DataFrame({"label": ["2024-01", "2024-02"], "growth": [0.1, -0.25]})
    d = spec(charts.signed_bar(g, "label", "growth"))
    rows = next(iter(d["datasets"].values()))
    assert [r["direction"] for r in rows] == ["up", "down"]


def test_a_chart_shown_unvalidated_has_the_same_spec() -> None:
    from views.ui import unvalidated

    frame = pl.DataFrame({"month": ["2024-01", "2024-02"], "revenue": [1.0, 2.5]})
    chart = alt.Chart(frame).mark_bar().encode(x="month:N", y="revenue:Q")
    want = chart.to_dict()
    assert unvalidated(chart).to_dict() == want  # (the skip is no key of the spec)
    assert "to_dict" not in chart.to_dict(validate=True)
    bad = alt.Chart(frame).mark_bar().encode(x="month:N")
    bad.width = "wide"  # (set after the chart is built: not checked yet)
    unvalidated(bad).to_dict()  # no schema check: an invalid width passes
    with pytest.raises(Exception, match="width"):
        type(bad).to_dict(bad)
