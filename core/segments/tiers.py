"""Value tiers: customers ranked by revenue into named shares (Top 5%, Next 15%, ...).

Value tiers
-----------
`worse` is replaced by `better` = customers with strictly more revenue. With tier shares
s1, s2, ... (top first) a customer is in the first tier whose cumulative share c satisfies
better < c * n. With n = 20 and the default tiers: Top 5% = the 1 best customer, Next 15% = the
next 3, Middle 30% = the next 6, Bottom 50% = the last 10. Tied revenues share a tier.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

from core.errors import InputError
from core.segments.common import require as _require

DEFAULT_TIERS: tuple[tuple[str, float], ...] = (
    ("Top 5%", 0.05),
    ("Next 15%", 0.15),
    ("Middle 30%", 0.30),
    ("Bottom 50%", 0.50),
)


def _check_tiers(tiers: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    tiers = [(str(name), float(share)) for name, share in tiers]
    if not tiers:
        raise InputError("value tiers: give at least one tier")
    names = [n for n, _ in tiers]
    if len(set(names)) != len(names) or any(not n.strip() for n in names):
        raise InputError(f"value tiers need distinct, non-empty names, got {names}")
    if any(not (0 < s <= 1) or math.isnan(s) for _, s in tiers):
        raise InputError(f"each tier share must be above 0 and at most 1 (100%), got {tiers}")
    total = sum(s for _, s in tiers)
    if abs(total - 1) > 1e-6:
        raise InputError(f"tier shares must add up to 100%, they add up to {total:.1%}")
    return tiers


def better_count(column: str) -> pl.Expr:
    """Customers with a strictly higher value (rank of the negated value, method min, minus 1)."""
    return (-pl.col(column).cast(pl.Float64)).rank(method="min").cast(pl.Int64) - 1


def add_value_tier(
    table: pl.DataFrame, tiers: Sequence[tuple[str, float]] = DEFAULT_TIERS
) -> pl.DataFrame:
    """Add value_tier (Utf8) from each customer's revenue rank; tiers are (name, share), top first.

    A customer falls in the first tier whose cumulative share c has better < c * n, where better
    is the number of customers with strictly more revenue (ties share a tier).
    """
    tiers = _check_tiers(tiers)
    _require(table, "revenue")
    n = pl.col("revenue").count()
    better = better_count("revenue")
    expr: pl.Expr | None = None
    cum = 0.0
    for i, (name, share) in enumerate(tiers):
        cum += share
        last = i == len(tiers) - 1
        cond = pl.col("revenue").is_not_null() if last else better < (n * round(cum, 9)).round(9)
        expr = (pl.when(cond) if expr is None else expr.when(cond)).then(pl.lit(name))
    return table.with_columns(expr.otherwise(None).cast(pl.Utf8).alias("value_tier"))


def tier_edges(
    table: pl.DataFrame, tiers: Sequence[tuple[str, float]] = DEFAULT_TIERS
) -> pl.DataFrame:
    """Per tier: the share asked for, customers in it and their revenue range (lowest, highest)."""
    tiers = _check_tiers(tiers)
    tiered = add_value_tier(table.select("revenue"), tiers)
    spec = pl.DataFrame(
        {"value_tier": [n for n, _ in tiers], "share": [s for _, s in tiers]},
        schema={"value_tier": pl.Utf8, "share": pl.Float64},
    ).with_row_index("order")
    got = tiered.group_by("value_tier").agg(
        pl.len().cast(pl.Int64).alias("customers"),
        pl.col("revenue").min().alias("revenue_low"),
        pl.col("revenue").max().alias("revenue_high"),
    )
    return (
        spec.join(got, on="value_tier", how="left")
        .with_columns(pl.col("customers").fill_null(0))
        .sort("order")
        .drop("order")
    )


def tier_table(tiers: Sequence[tuple[str, float]] = DEFAULT_TIERS) -> pl.DataFrame:
    """Tiers as an editable table: tier (name), share_pct (share in percent, 5.0 = 5%)."""
    return pl.DataFrame(
        {"tier": [str(n) for n, _ in tiers], "share_pct": [100 * float(v) for _, v in tiers]},
        schema={"tier": pl.Utf8, "share_pct": pl.Float64},
    )


def tiers_from_table(table: pl.DataFrame) -> tuple[tuple[str, float], ...]:
    """The (name, share) tiers of an edited tier_table; rows with an empty name or share are
    skipped (a row being typed in). Not checked here: add_value_tier checks the tiers."""
    _require(table, "tier", "share_pct", what="tier table")
    rows = table.select(
        pl.col("tier").cast(pl.Utf8), (pl.col("share_pct").cast(pl.Float64) / 100).alias("share")
    ).drop_nulls()
    return tuple(zip(rows["tier"].to_list(), rows["share"].to_list(), strict=True))
