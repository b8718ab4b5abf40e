"""core.charts.abtest: each builder makes a valid Vega-Lite spec with the expected encodings."""

from __future__ import annotations

from datetime import date

import polars as pl

from core.charts import abtest as charts


def layers(chart) -> list[dict]:
    return chart.to_dict()["layer"]  # to_dict validates against the Vega-Lite schema


def marks(chart) -> list[str]:
    return [layer["mark"]["type"] for layer in layers(chart)]


def test_variant_values_share_one_axis():
    iv = pl.DataFrame(
        {
            "variant": ["A", "B"],
            "units": [1000, 1000],
            "value": [0.176, 0.238],
            "ci_low": [0.152, 0.212],
            "ci_high": [0.200, 0.264],
            "is_control": [True, False],
        }
    )
    chart = charts.variant_values(iv, "proportion", "retained")
    ls = layers(chart)
    assert marks(chart) == ["rule", "rule", "point", "text"]  # control line, CI, dot, label
    xs = [layer["encoding"]["x"] for layer in ls]
    # every layer on the same scale: from .152 - 8% of (.264 - .152) to .264 + that
    pad = (0.264 - 0.152) * 0.08
    for x in xs:
        assert x["scale"]["domain"] == [0.152 - pad, 0.264 + pad]
        assert x["axis"]["format"] == ".1%" and x["title"] == "Retention"
    assert [x["field"] for x in xs] == ["value", "ci_low", "value", "value"]
    assert ls[1]["encoding"]["x2"]["field"] == "ci_high"
    assert ls[1]["encoding"]["y"]["sort"] == ["A", "B"]
    tips = [t["field"] for t in ls[1]["encoding"]["tooltip"]]
    assert tips == ["variant", "units", "value", "ci_low", "ci_high"]
    assert "facet" not in chart.to_dict() and "hconcat" not in chart.to_dict()


def test_variant_values_for_averages():
    iv = pl.DataFrame(
        {
            "variant": ["A", "B"],
            "units": [3, 3],
            "value": [10.0, 11.0],
            "ci_low": [8.0, 9.0],
            "ci_high": [12.0, 13.0],
            "is_control": [True, False],
        }
    )
    x = layers(charts.variant_values(iv, "mean", "spend"))[2]["encoding"]["x"]
    assert x["axis"]["format"] == ",.2f" and x["title"] == "Spend"


def test_lift_posterior():
    post = pl.DataFrame(
        {"variant": ["B"] * 3, "relative_lift": [0.1, 0.35, 0.6], "density": [0.4, 3.3, 0.4]}
    )
    chart = charts.lift_posterior(post)
    ls = layers(chart)
    # the better side (band + label), the density and the zero line
    assert marks(chart) == ["rect", "text", "area", "rule"]
    enc = ls[2]["encoding"]
    assert enc["x"]["field"] == "relative_lift" and enc["y"]["field"] == "density"
    assert enc["x"]["title"] == "Relative lift (better: above 0)"
    assert [t["field"] for t in enc["tooltip"]] == ["variant", "relative_lift", "density"]
    assert ls[3]["encoding"]["x"]["field"] == "x"
    # higher is better: the band runs from 0 up to the largest lift (0.6)
    band = chart.to_dict()["datasets"][ls[0]["data"]["name"]]
    assert band == [{"start": 0.0, "end": 0.6, "label": "better"}]


def test_lift_posterior_lower_is_better_shades_below_zero():
    post = pl.DataFrame(
        {"variant": ["B"] * 3, "relative_lift": [-0.3, 0.1, 0.5], "density": [0.4, 3.3, 0.4]}
    )
    chart = charts.lift_posterior(post, lower_is_better=True)
    ls = layers(chart)
    assert ls[2]["encoding"]["x"]["title"] == "Relative lift (better: below 0)"
    band = chart.to_dict()["datasets"][ls[0]["data"]["name"]]
    assert band == [{"start": 0.0, "end": -0.3, "label": "better"}]


def test_variant_values_coloured_by_outcome():
    iv = pl.DataFrame(
        {
            "variant": ["A", "B"],
            "units": [1000, 1000],
            "value": [0.30, 0.36],
            "ci_low": [0.27, 0.33],
            "ci_high": [0.33, 0.39],
            "is_control": [True, False],
            "status": ["control", "worse"],
        }
    )
    chart = charts.variant_values(iv, "proportion", "churned", lower_is_better=True)
    color = layers(chart)[1]["encoding"]["color"]
    assert color["field"] == "status"
    pairs = dict(zip(color["scale"]["domain"], color["scale"]["range"], strict=True))
    assert pairs["worse"] == charts.WORSE_COLOR and pairs["better"] == charts.BETTER_COLOR
    assert layers(chart)[1]["encoding"]["x"]["title"] == "Churn (lower is better)"


def test_cumulative_lift():
    cum = pl.DataFrame(
        {
            "date": [date(2024, 1, 1), date(2024, 1, 2)],
            "variant": ["B", "B"],
            "units": [200, 400],
            "relative_lift": [0.5, 0.3],
            "ci_low": [-0.2, 0.05],
            "ci_high": [1.2, 0.55],
        }
    )
    chart = charts.cumulative_lift(cum)
    ls = layers(chart)[2:]  # after the better side's band and label
    assert marks(chart) == ["rect", "text", "area", "line", "rule"]
    assert (
        ls[0]["encoding"]["y"]["field"] == "ci_low"
        and ls[0]["encoding"]["y2"]["field"] == "ci_high"
    )
    assert (
        ls[1]["encoding"]["x"]["field"] == "date" and ls[1]["encoding"]["x"]["type"] == "temporal"
    )
    tips = {t["field"] for t in ls[1]["encoding"]["tooltip"]}
    assert tips == {"date", "variant", "units", "relative_lift", "ci_low", "ci_high"}


def test_segment_lifts():
    seg = pl.DataFrame(
        {
            "segment": ["New", "VIP"],
            "variant": ["B", "B"],
            "units": [218, 117],
            "relative_lift": [0.47, 0.21],
            "ci_low": [-0.5, -0.05],
            "ci_high": [1.4, 0.47],
            "p_value": [0.25, 0.07],
        }
    )
    chart = charts.segment_lifts(seg)
    ls = layers(chart)
    assert marks(chart) == ["rect", "text", "rule", "point", "rule"]  # better side, CI, dot, 0
    enc = ls[2]["encoding"]
    assert enc["y"]["field"] == "segment" and enc["yOffset"]["field"] == "variant"
    assert enc["x"]["field"] == "ci_low" and enc["x2"]["field"] == "ci_high"
    assert "p_value" in {t["field"] for t in enc["tooltip"]}
    assert chart.to_dict()["height"] == 140  # max(140, 55 per segment)
