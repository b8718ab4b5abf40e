"""Thresholds: finding and moving them, slider ranges and specs, the sensitivity curve
(core.rules.tuning)."""

from __future__ import annotations

import pytest

from core.errors import InputError
from core.rules import (
    Rule,
    sensitivity,
    set_threshold,
    threshold_range,
    thresholds,
)
from tests.unit.rules.hand import RULES, TABLE


def test_thresholds_and_set_threshold() -> None:
    cond = "recency_days >= 6 months and orders <= 2 and revenue between 1k and 5k"
    found = thresholds(cond)
    assert [(t.column, t.op, t.value) for t in found] == [
        ("recency_days", ">=", 180.0),  # 6 x 30 days
        ("orders", "<=", 2.0),
        ("revenue", "between-low", 1000.0),
        ("revenue", "between-high", 5000.0),
    ]
    assert set_threshold(cond, 0, 150) == (
        "recency_days >= 150 and orders <= 2 and revenue between 1k and 5k"
    )
    assert set_threshold("orders > -2", 0, 0.25) == "orders > 0.25"
    assert thresholds('status == "x" and m_score in [4, 5]') == []
    with pytest.raises(InputError):
        set_threshold("orders > 1", 3, 5)


def test_threshold_range_covers_data_and_value() -> None:
    t = thresholds("recency_days >= 500")[0]
    lo, hi, step = threshold_range(TABLE, t)
    # recency ranges 10..200; the value 500 stretches the top; integer column -> step 1
    assert (lo, hi, step) == (10.0, 500.0, 1.0)


def test_sensitivity_curve() -> None:
    rule = RULES[0]
    curve = sensitivity(TABLE, rule, 0, low=0, high=200, points=5)
    # grid 0, 50, 100, 150, 200 (180, the current value, added); orders <= 2 keeps A, B, E:
    # recency A 200, B 190, E 20
    assert curve["value"].to_list() == [0.0, 50.0, 100.0, 150.0, 180.0, 200.0]
    assert curve["customers"].to_list() == [3, 2, 2, 2, 2, 1]
    assert curve["revenue"].to_list() == [430.0, 350.0, 350.0, 350.0, 350.0, 50.0]
    assert curve.filter("current")["value"].to_list() == [180.0]


def test_slider_specs_whole_numbers_and_ratios() -> None:
    from core.rules import slider_specs

    specs = slider_specs(TABLE, "recency_days >= 180 and orders <= 2")
    # recency_days: min 10; 99th percentile (nearest) of [10, 20, 70, 120, 190, 200] is 200
    # orders: min 1; 99th percentile of [1, 1, 2, 3, 5, 8] is 8; whole-number steps of 1
    assert [(t.label, t.low, t.high, t.value, t.step) for t in specs] == [
        ("recency_days at least", 10, 200, 180, 1),
        ("orders at most", 1, 8, 2, 1),
    ]
    assert all(isinstance(v, int) for v in (specs[0].low, specs[0].value, specs[0].step))
    assert specs[1].curve_label == "orders threshold"
    # return_rate 0 .. 0.5 (99th pct of [0, 0, 0.1, 0.35, 0.5]): span / 100 = 0.005 -> step 0.005
    (ratio,) = slider_specs(TABLE, "return_rate >= 30%")
    assert (ratio.low, ratio.high, ratio.value) == (0.0, 0.5, 0.3)
    assert ratio.step == pytest.approx(0.005) and isinstance(ratio.value, float)
    between = slider_specs(TABLE, "revenue between 1k and 3k")
    assert [t.label for t in between] == ["revenue from", "revenue to"]
    assert slider_specs(TABLE, "status == 'churned'") == []  # nothing to slide
    assert slider_specs(TABLE, "len(x)") is None  # does not parse


def test_default_curve() -> None:
    from core.rules import default_curve

    assert default_curve("recency_days >= 180 and orders <= 2") == 0
    assert default_curve("status == 'churned'") is None
    assert default_curve("len(x)") is None


def test_with_threshold() -> None:
    from core.rules import with_threshold

    rules = [Rule("R", "recency_days >= 180 and orders <= 2", "Act")]
    assert with_threshold(rules, 0, 1, 3.0)[0].condition == "recency_days >= 180 and orders <= 3"
    assert rules[0].condition == "recency_days >= 180 and orders <= 2"  # a copy
