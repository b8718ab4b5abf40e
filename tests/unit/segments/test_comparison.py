"""The two-group comparison against scipy and the Welch formula (core.segments.comparison)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy import stats

from core import segments as sg
from core.errors import InputError
from tests.unit.segments.hand import HAND


def _groups(seed: int = 7) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    n_yes, n_no = 60, 90
    return pl.DataFrame(
        {
            "subscription": ["Yes"] * n_yes + ["No"] * n_no,
            "revenue": np.r_[rng.gamma(2.0, 60.0, n_yes), rng.gamma(2.0, 45.0, n_no)],
            "orders": np.r_[rng.poisson(2.0, n_yes) + 1, rng.poisson(1.0, n_no) + 1],
        }
    )


def test_compare_groups_matches_scipy_and_welch_formula():
    t = _groups()
    c = sg.compare_groups(t, "subscription")
    assert (c.group_a, c.group_b) == ("No", "Yes")  # the "yes" value is the compared group
    yes = t.filter(pl.col("subscription") == "Yes")["revenue"].to_numpy()
    no = t.filter(pl.col("subscription") == "No")["revenue"].to_numpy()
    ref = stats.ttest_ind(yes, no, equal_var=False)
    assert c.t_stat == pytest.approx(ref.statistic)
    assert c.p_value == pytest.approx(ref.pvalue)
    # Welch-Satterthwaite by hand: df = (va/na + vb/nb)^2 / ((va/na)^2/(na-1) + (vb/nb)^2/(nb-1))
    va, vb = yes.var(ddof=1) / yes.size, no.var(ddof=1) / no.size
    df = (va + vb) ** 2 / (va**2 / (yes.size - 1) + vb**2 / (no.size - 1))
    assert c.df == pytest.approx(df)
    half = stats.t.ppf(0.975, df) * math.sqrt(va + vb)
    diff = yes.mean() - no.mean()
    assert c.diff == pytest.approx(diff)
    assert (c.ci_low, c.ci_high) == (pytest.approx(diff - half), pytest.approx(diff + half))
    # repeat rate: share with 2+ orders, Welch on the 0/1 indicator
    ry = (t.filter(pl.col("subscription") == "Yes")["orders"] >= 2).to_numpy().astype(float)
    rn = (t.filter(pl.col("subscription") == "No")["orders"] >= 2).to_numpy().astype(float)
    assert c.repeat_diff == pytest.approx(ry.mean() - rn.mean())
    assert c.repeat_p_value == pytest.approx(stats.ttest_ind(ry, rn, equal_var=False).pvalue)
    assert "subscription = Yes" in c.sentence and "Welch" in c.sentence
    assert c.to_frame().height == 2


def test_compare_groups_choice_and_errors():
    t = _groups()
    c = sg.compare_groups(t, "subscription", group_b="No")
    assert (c.group_a, c.group_b) == ("Yes", "No")
    assert c.diff == pytest.approx(-sg.compare_groups(t, "subscription").diff)
    first = pl.int_range(pl.len()) == 0
    three = t.with_columns(
        pl.when(first).then(pl.lit("Maybe")).otherwise("subscription").alias("subscription")
    )
    with pytest.raises(InputError, match="exactly two"):
        sg.compare_groups(three, "subscription")
    tiny = pl.DataFrame({"g": ["a", "b", "b"], "revenue": [1.0, 2.0, 3.0], "orders": [1, 1, 2]})
    with pytest.raises(InputError, match="at least 2"):
        sg.compare_groups(tiny, "g")
    with pytest.raises(InputError, match="not a numeric"):
        sg.compare_groups(t.with_columns(pl.lit("a").alias("txt")), "subscription", "txt")


def test_compare_groups_without_variation_says_so():
    t = pl.DataFrame(
        {"g": ["a", "a", "b", "b"], "revenue": [5.0, 5.0, 7.0, 7.0], "orders": [1, 1, 1, 1]}
    )
    c = sg.compare_groups(t, "g")
    assert c.diff == 2.0 and math.isnan(c.p_value)
    assert "no variation" in c.sentence


def test_two_valued_attributes_and_case_duplicates():
    t = HAND.with_columns(
        pl.Series("subscription", ["Yes", "No"] * 5),
        pl.Series("region", ["N", "S", "E", "W", "N"] * 2),
        pl.Series("Region", ["N", "S", "E", "W", "N"] * 2),
    )
    assert sg.attribute_columns(t) == ["subscription", "region"]
    assert sg.two_valued_attributes(t) == ["subscription"]
    assert sg.metric_columns(t) == ["revenue", "aov", "orders"]
