"""Attribute breakdowns: customers grouped by an attribute (numeric ones binned by quantile)
with the segment summary figures per group, and attributes recorded inconsistently on order lines.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from core.errors import InputError
from core.model.attributes import (
    MAX_GROUPS,
    MISSING,
    customer_attributes,
    inconsistent_counts,
    numeric_bins,
)
from core.segments.common import require as _require
from core.segments.summary import SUMMARY_COLUMNS, finish_summary, summary_aggs


def attribute_columns(table: pl.DataFrame, max_groups: int = MAX_GROUPS) -> list[str]:
    """Columns that describe customers (age, gender, region, subscription, favourite_category...):
    see core.model.attributes for the rule."""
    return customer_attributes(table, max_groups)


def attribute_groups(table: pl.DataFrame, attribute: str, bins: int = 4) -> pl.DataFrame:
    """The table with a `group` column for `attribute`: numeric attributes by the one numeric
    binning (core.model.attributes.numeric_bins), others as text; nulls become "(missing)".
    Also `group_order` for display order."""
    _require(table, attribute)
    dtype = table.schema[attribute]
    if dtype.is_numeric():
        binned = numeric_bins(table[attribute], bins)
        group = binned.expr(attribute)
        rank = {lab: i for i, lab in enumerate(binned.labels)}
        g = group.fill_null(MISSING)
        order = g.replace_strict(rank, default=len(rank), return_dtype=pl.Int64)
        return table.with_columns(g.alias("group")).with_columns(order.alias("group_order"))
    g = pl.col(attribute).cast(pl.Utf8).fill_null(MISSING)
    return table.with_columns(g.alias("group"), (g == MISSING).cast(pl.Int64).alias("group_order"))


def attribute_breakdown(table: pl.DataFrame, attribute: str, bins: int = 4) -> pl.DataFrame:
    """Customers, revenue, AOV, repeat rate ... per value of `attribute` (numeric ones binned,
    see core.model.attributes.numeric_bins). Columns: attribute, group, then the
    segment_summary columns."""
    if bins < 2 or bins > 10:
        raise InputError(f"the number of bins must be from 2 to 10, got {bins}")
    grouped = attribute_groups(table, attribute, bins)
    _require(table, "revenue", "orders", "recency_days")
    out = finish_summary(grouped.group_by("group", "group_order").agg(summary_aggs()))
    if table.schema[attribute].is_numeric():
        out = out.sort("group_order")
    else:
        out = out.sort("group_order", "revenue", descending=[False, True])
    return out.select(pl.lit(attribute).alias("attribute"), "group", *SUMMARY_COLUMNS)


def inconsistent_attributes(
    orders: pl.DataFrame | pl.LazyFrame, columns: Sequence[str]
) -> pl.DataFrame:
    """For attributes recorded on order lines: how many customers have more than one value
    (the hub keeps each customer's most frequent value). Columns: attribute, customers,
    inconsistent_customers, share."""
    lf = orders.lazy()
    names = lf.collect_schema().names()
    cols = [c for c in columns if c in names and c != "customer_id"]
    if not cols:
        return pl.DataFrame(
            schema={
                "attribute": pl.Utf8,
                "customers": pl.Int64,
                "inconsistent_customers": pl.Int64,
                "share": pl.Float64,
            }
        )
    n, bad = inconsistent_counts(lf, cols)
    return pl.DataFrame(
        {
            "attribute": cols,
            "customers": [n] * len(cols),
            "inconsistent_customers": bad,
            "share": [b / n if n else 0.0 for b in bad],
        },
        schema={
            "attribute": pl.Utf8,
            "customers": pl.Int64,
            "inconsistent_customers": pl.Int64,
            "share": pl.Float64,
        },
    )


def inconsistent_count(orders: pl.DataFrame | pl.LazyFrame, attribute: str) -> int:
    """Customers with more than one value of `attribute` on their order lines (0 when the
    orders do not carry that column)."""
    counts = inconsistent_attributes(orders, [attribute])
    return int(counts["inconsistent_customers"][0]) if counts.height else 0
