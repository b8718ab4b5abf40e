"""Value tiers at the exact percentile edges (core.segments.tiers)."""

from __future__ import annotations

import polars as pl
import pytest

from core import segments as sg
from core.errors import InputError


def _revenue(values) -> pl.DataFrame:
    return pl.DataFrame({"revenue": [float(v) for v in values]})


def test_tiers_at_exact_edges_20_customers():
    # n = 20: Top 5% = better < 1 (revenue 20); Next 15% = better < 0.20 * 20 = 4 (19, 18, 17);
    # Middle 30% = better < 10 (16..11); Bottom 50% = the other 10.
    out = sg.add_value_tier(_revenue(range(1, 21)))
    tier = dict(zip(out["revenue"], out["value_tier"], strict=True))
    assert tier[20.0] == "Top 5%"
    assert [tier[v] for v in (19.0, 18.0, 17.0)] == ["Next 15%"] * 3
    assert tier[16.0] == "Middle 30%" and tier[11.0] == "Middle 30%"
    assert tier[10.0] == "Bottom 50%"
    counts = out["value_tier"].value_counts().sort("value_tier")
    assert dict(counts.rows()) == {"Top 5%": 1, "Next 15%": 3, "Middle 30%": 6, "Bottom 50%": 10}


def test_tiers_100_customers_and_edge_customer_goes_down():
    out = sg.add_value_tier(_revenue(range(100)))
    counts = dict(out["value_tier"].value_counts().rows())
    assert counts == {"Top 5%": 5, "Next 15%": 15, "Middle 30%": 30, "Bottom 50%": 50}
    # the 6th best (revenue 94, 5 better) sits exactly on the 5% edge -> Next 15%
    assert out.filter(pl.col("revenue") == 94)["value_tier"].item() == "Next 15%"
    assert out.filter(pl.col("revenue") == 95)["value_tier"].item() == "Top 5%"


def test_tied_revenue_shares_the_better_tier():
    # n = 20, two customers tie at the top: both have 0 better -> both Top 5% (2 of 20);
    # revenue 90 has 2 better -> Next 15% (2 < 4).
    out = sg.add_value_tier(_revenue([100, 100, 90, *range(17)]))
    assert out["value_tier"][:3].to_list() == ["Top 5%", "Top 5%", "Next 15%"]


def test_custom_tiers_and_edges_table():
    t = _revenue(range(1, 21))
    tiers = (("Top 10%", 0.1), ("Rest", 0.9))
    out = sg.add_value_tier(t, tiers)
    assert dict(out["value_tier"].value_counts().rows()) == {"Top 10%": 2, "Rest": 18}
    edges = sg.tier_edges(t, tiers)
    assert edges.rows() == [("Top 10%", 0.1, 2, 19.0, 20.0), ("Rest", 0.9, 18, 1.0, 18.0)]


@pytest.mark.parametrize(
    "tiers",
    [(("a", 0.5), ("b", 0.4)), (("a", 0.5), ("a", 0.5)), (("a", 1.2), ("b", -0.2)), ()],
)
def test_bad_tiers(tiers):
    with pytest.raises(InputError):
        sg.add_value_tier(_revenue([1, 2]), tiers)


def test_tier_table_round_trip_skips_half_typed_rows():
    t = sg.tier_table()
    # DEFAULT_TIERS 0.05, 0.15, 0.30, 0.50 -> 5, 15, 30, 50 percent
    assert t["share_pct"].to_list() == pytest.approx([5.0, 15.0, 30.0, 50.0])
    edited = pl.DataFrame(
        {"tier": ["Gold", "Rest", None, "New"], "share_pct": [25.0, 75.0, 10.0, None]}
    )
    # the row without a name and the row without a share are left out; 25% -> 0.25
    assert sg.tiers_from_table(edited) == (("Gold", 0.25), ("Rest", 0.75))
