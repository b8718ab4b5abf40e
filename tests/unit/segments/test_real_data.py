"""Segments make sense on real data: the CDNOW 1/10th sample (2,357 customers, 1997-01 to 1998-06;
see tests/data/README.md). Champions out-spend and are more recent than Lost, and the scores are
quintiles of the real distribution."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from core import segments as sg
from core.hub import customer_table

CDNOW = Path(__file__).resolve().parents[2] / "data" / "CDNOW_sample.txt"
AS_OF = date(1998, 6, 30)  # the end of the observation window


@pytest.fixture(scope="module")
def table() -> pl.DataFrame:
    lines = pl.read_csv(
        CDNOW, has_header=False, separator="|", new_columns=["line"], quote_char=None
    )
    parts = pl.col("line").str.extract_all(r"\S+")
    orders = (
        lines.select(
            parts.list.get(0).alias("customer_id"),
            parts.list.get(2).str.to_date("%Y%m%d").alias("order_date"),
            parts.list.get(4).cast(pl.Float64).alias("revenue"),
        )
        .with_row_index("order_id")
        .with_columns(pl.col("order_id").cast(pl.Utf8))
    )
    assert orders.height == 6919
    return customer_table(orders, as_of=AS_OF, with_clv=False)


def test_champions_outspend_and_are_more_recent_than_lost(table):
    assert table.height == 2357
    s = sg.segment_summary(table).to_dicts()
    by = {row["rfm_segment"]: row for row in s}
    champ, lost = by["Champions"], by["Lost"]
    assert champ["customers"] > 100 and lost["customers"] > 100
    assert champ["revenue_per_customer"] > 5 * lost["revenue_per_customer"]
    assert champ["avg_recency_days"] < lost["avg_recency_days"] - 180
    assert champ["orders_per_customer"] > lost["orders_per_customer"]
    # the valuable-but-gone segments sit between: they spent more than Lost
    assert by["Cannot Lose Them"]["revenue_per_customer"] > lost["revenue_per_customer"]
    # Champions are a small share of customers and a large share of revenue
    assert champ["revenue_share"] > 2 * champ["customer_share"]


def test_scores_are_quintiles_of_the_real_distribution(table):
    th = sg.rfm_thresholds(table)
    rec = th.filter(pl.col("metric") == "Recency").sort("score")
    # recency is almost tie-free here, so each score holds about a fifth of 2,357 customers
    assert all(abs(c - 2357 / 5) < 60 for c in rec["customers"])
    # ranges do not overlap and R 5 is the most recent
    assert rec["high"][0] > rec["low"][-1]
    assert (rec["low"][:-1] > rec["high"][1:]).all()
    # half the customers bought once: they all share F = 1
    one = table.filter(pl.col("orders") == 1)
    assert one.height / table.height > 0.5
    assert one["f_score"].unique().to_list() == [1]


def test_value_tiers_and_personas_on_real_data(table):
    counts = dict(table["value_tier"].value_counts().rows())
    # 5% of 2,357 = 117.85 -> customers with at most 117 better: 118 (no ties at that edge)
    assert counts["Top 5%"] == 118
    assert sum(counts.values()) == 2357
    top = table.filter(pl.col("value_tier") == "Top 5%")["revenue"].sum()
    assert top / table["revenue"].sum() > 0.25  # CDNOW spend is very concentrated
    p = sg.segment_summary(sg.add_persona(table), "persona")
    rpc = dict(p.select("persona", "revenue_per_customer").rows())
    assert rpc["Premium"] > rpc["Standard"] and rpc["Loyal High-Value"] > rpc["High Churn Risk"]


@pytest.mark.parametrize("bins", [3, 4, 5])
def test_a_scored_table_s_map_and_thresholds_read_its_own_scores(table, bins):
    """The page passes a table scored for its bins (scored=True: the scores read, not computed
    again): the same segment map cells and thresholds as scoring it again."""
    scored = table if bins == 5 else sg.add_rfm(table, bins)
    cells, th = sg.map_and_thresholds(scored, bins, scored=True)
    want_cells, want_th = sg.map_and_thresholds(table, bins)
    assert cells.equals(want_cells) and th.equals(want_th)
    assert sg.rfm_thresholds(scored, bins, scored=True).equals(sg.rfm_thresholds(table, bins))
