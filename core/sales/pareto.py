"""Concentration of revenue: the Pareto curve over customers or products and the concentration
risk flag.

- Concentration risk (Pareto): Herfindahl-Hirschman index of revenue shares with the thresholds of
  the U.S. DOJ/FTC Horizontal Merger Guidelines (2010): below 0.15 unconcentrated, 0.15-0.25
  moderately, above 0.25 highly concentrated; a single customer or product above 10% (moderate) or
  25% (high) of revenue raises the flag too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from core.sales.breakdowns import check_dimension, label_dimension


def entity_noun(by: str) -> str:
    """What the entities of a Pareto analysis by `by` are called: "customers", "products", ..."""
    return "customers" if by == "customer_id" else f"{by}s"


@dataclass(frozen=True)
class Pareto:
    """Cumulative revenue share of customers or products, biggest first.

    table: rank, key, revenue, share, cum_share, cum_entity_share (rank / entities)."""

    by: str
    table: pl.DataFrame
    entities: int
    total: float
    top_n: int
    top_n_share: float
    n_for_80: int
    top_20pct_share: float
    largest_share: float
    hhi: float
    risk: str  # "low" | "moderate" | "high"

    @property
    def noun(self) -> str:
        """What the entities are called: "customers", "products", ..."""
        return entity_noun(self.by)

    def named_table(self) -> pl.DataFrame:
        """The table with `key` renamed to the column analysed (customer_id, product, ...)."""
        return self.table.rename({"key": self.by})

    def statement(self) -> str:
        noun = self.noun
        if self.entities == 0:
            return f"No {noun} with revenue."
        return (
            f"Top {self.top_n} {noun} = {self.top_n_share:.1%} of revenue; "
            f"the top 20% of {noun} bring {self.top_20pct_share:.1%}; "
            f"80% of revenue comes from {self.n_for_80:,} of {self.entities:,} {noun} "
            f"({self.n_for_80 / self.entities:.1%}). Concentration risk: {self.risk} "
            f"(largest {self.largest_share:.1%}, HHI {self.hhi:.4f})."
        )


def pareto(orders: pl.DataFrame, by: str = "customer_id", *, top_n: int = 10) -> Pareto:
    """Pareto analysis of revenue by `by` ("customer_id" or "product", any dimension works)."""
    check_dimension(orders, by)
    table = (
        label_dimension(orders, by, "key")
        .group_by("key")
        .agg(pl.col("revenue").sum())
        .sort(["revenue", "key"], descending=[True, False])
        .with_columns(
            pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).alias("rank"),
            (pl.col("revenue") / pl.col("revenue").sum()).alias("share"),
        )
        .with_columns(
            pl.col("share").cum_sum().alias("cum_share"),
            (pl.col("rank") / pl.len()).alias("cum_entity_share"),
        )
        .select("rank", "key", "revenue", "share", "cum_share", "cum_entity_share")
    )
    n = table.height
    total = float(table["revenue"].sum()) if n else 0.0
    if n == 0 or total <= 0:
        return Pareto(by, table, n, total, 0, 0.0, 0, 0.0, 0.0, 0.0, "low")
    k = min(top_n, n)
    k20 = max(1, math.ceil(0.2 * n))
    stats = table.select(
        pl.col("cum_share").get(k - 1).alias("top"),
        pl.col("cum_share").get(k20 - 1).alias("top20"),
        ((pl.col("cum_share") < 0.8 - 1e-12).sum() + 1).alias("n80"),
        pl.col("share").max().alias("largest"),
        (pl.col("share").clip(lower_bound=0.0) ** 2).sum().alias("hhi"),
    ).row(0, named=True)
    largest, hhi = float(stats["largest"]), float(stats["hhi"])
    if largest > 0.25 or hhi > 0.25:
        risk = "high"
    elif largest > 0.10 or hhi >= 0.15:
        risk = "moderate"
    else:
        risk = "low"
    return Pareto(
        by=by,
        table=table,
        entities=n,
        total=total,
        top_n=k,
        top_n_share=float(stats["top"]),
        n_for_80=min(int(stats["n80"]), n),
        top_20pct_share=float(stats["top20"]),
        largest_share=largest,
        hhi=hhi,
        risk=risk,
    )
