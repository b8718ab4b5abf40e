"""Order totals: an amount given per order rather than per line, either repeated on every line of
the order or written on its first line only (Shopify). Such an amount is counted once per order,
spread over the order's lines by quantity x price (evenly without them).
"""

from __future__ import annotations

import polars as pl

from core.ingest.roles import norm


def _order_stats(lines: pl.LazyFrame) -> pl.DataFrame:
    """Per order of more than one line: its lines, distinct and present amounts, and whether the
    first line holds one."""
    return (
        lines.group_by("order_id")
        .agg(
            lines=pl.len(),
            distinct=pl.col("revenue").drop_nulls().n_unique(),
            valued=pl.col("revenue").is_not_null().sum(),
            first_valued=pl.col("revenue").first().is_not_null(),
        )
        .filter(pl.col("lines") > 1)
        .collect()
    )


def _patterns(stats: pl.DataFrame) -> tuple[pl.Series, pl.Series]:
    """Per order: the amount only on its first line; the same amount on every line."""
    first_only = (stats["valued"] == 1) & stats["first_valued"]
    repeated = (stats["valued"] == stats["lines"]) & (stats["distinct"] == 1)
    return first_only, repeated


def _shares(stats: pl.DataFrame) -> tuple[float, float]:
    first_only, repeated = _patterns(stats)
    return float(first_only.mean() or 0.0), float(repeated.mean() or 0.0)


def dedupe_order_totals(
    df: pl.DataFrame, mapping: dict[str, str]
) -> tuple[pl.DataFrame, str | None]:
    """Detect an order-level amount and spread it once over the order's lines."""
    lines = df.lazy().select("order_id", "revenue").filter(pl.col("order_id").is_not_null())
    if df.height > 50_000:  # a large file: an eighth of its orders (all their lines) first
        sample = _order_stats(lines.filter(pl.col("order_id").hash() % 8 == 0))
        if sample.height >= 30 and max(_shares(sample)) < 0.8:
            return df, None  # far from the 90% either pattern needs
    stats = _order_stats(lines)
    name = norm(mapping["revenue"])
    total_like = "total" in name and "line" not in name and "item" not in name
    first_only, repeated = _patterns(stats)
    enough = stats.height >= 3  # a named total blank after an order's first line: one will do
    if stats.height and first_only.mean() >= 0.9 and (enough or total_like):
        mode = "given on each order's first line only"
    elif enough and repeated.mean() >= 0.9 and (total_like or stats.height >= 20):
        mode = "repeated on every line of the order"
    else:
        return df, None
    has_price = {"quantity", "unit_price"} <= set(df.columns)
    weight = (
        (pl.col("quantity").fill_null(1) * pl.col("unit_price").fill_null(0))
        if has_price
        else pl.col("order_id").is_not_null().cast(pl.Float64)  # one per line, not a scalar
    )
    w = weight.clip(lower_bound=0)
    total = pl.col("revenue").drop_nulls().first().over("order_id")
    share = (
        pl.when(w.sum().over("order_id") > 0)
        .then(w / w.sum().over("order_id"))
        .otherwise(1.0 / pl.len().over("order_id"))
    )
    df = df.with_columns(
        revenue=pl.when(pl.col("order_id").is_not_null())
        .then(total * share)
        .otherwise(pl.col("revenue")),
        _amount_given=pl.when(pl.col("order_id").is_not_null())
        .then(pl.col("_amount_given").any().over("order_id"))
        .otherwise(pl.col("_amount_given")),
    )
    return df, mode
