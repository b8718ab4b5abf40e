"""Attribute breakdowns: customers grouped by an attribute (numeric ones binned by quantile)
with the segment summary figures per group, and attributes recorded inconsistently on order lines.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

from core.errors import InputError
from core.segments.common import MISSING
from core.segments.common import require as _require
from core.segments.summary import SUMMARY_COLUMNS, finish_summary, summary_aggs

NOT_ATTRIBUTES = frozenset(
    {
        "customer_id",
        "first_order",
        "last_order",
        "orders",
        "revenue",
        "net_revenue",
        "revenue_365d",
        "aov",
        "recency_days",
        "tenure_days",
        "avg_days_between_orders",
        "return_rate",
        "profit",
        "cost",
        "margin",
        "quantity",
        "lines",
        "r_score",
        "f_score",
        "m_score",
        "rfm_code",
        "rfm_segment",
        "value_tier",
        "status",
        "persona",
        "loyalty",
        "p_alive",
        "expected_purchases_90d",
        "expected_clv_365d",
        "frequency",
        "recency",
        "T",
        "monetary_value",
        "name",
        "source_row",
        "order_id",
    }
)
_METRIC_PREFIXES = ("expected_", "clv", "p_alive", "predicted_")


def attribute_columns(table: pl.DataFrame, max_groups: int = 50) -> list[str]:
    """Columns that describe customers (age, gender, region, subscription, favourite_category...):
    text or boolean ones with at most `max_groups` values, and numeric ones (binned later)."""
    out: list[str] = []
    seen: set[str] = set()  # "region" from the orders and "Region" from a customers file: one
    for c, t in table.schema.items():
        if c in NOT_ATTRIBUTES or c.startswith(_METRIC_PREFIXES) or c.endswith(("_days", "_id")):
            continue
        if c.lower() in seen:
            continue
        seen.add(c.lower())
        if t.is_numeric():
            if table[c].drop_nulls().n_unique() > 1:
                out.append(c)
        elif t in (pl.Utf8, pl.Boolean, pl.Categorical) or isinstance(t, pl.Enum):
            k = table[c].drop_nulls().n_unique()
            if 1 <= k <= max_groups:
                out.append(c)
    return out


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.4g}"


def quantile_bins(series: pl.Series, bins: int = 4) -> tuple[list[float], list[str]]:
    """Edges (right-closed: (-inf, e1], (e1, e2], ...) at the quantiles 1/bins .. (bins-1)/bins,
    duplicates dropped, and a label per bin with its value range ("18-29", "30-41", ...)."""
    s = series.drop_nulls().cast(pl.Float64)
    if s.is_empty():
        return [], []
    lo, hi = float(s.min()), float(s.max())
    integral = bool((s == s.floor()).all())
    qs = [s.quantile(i / bins, "linear") for i in range(1, bins)]
    edges = sorted({math.floor(q) if integral else q for q in qs if q is not None})
    edges = [e for e in edges if lo <= e < hi]
    if not edges:
        return [], [_fmt(lo) if lo == hi else f"{_fmt(lo)}-{_fmt(hi)}"]
    starts = [lo] + [e + 1 if integral else e for e in edges]
    ends = [*edges, hi]
    labels = []
    for i, (a, b) in enumerate(zip(starts, ends, strict=True)):
        if a == b:
            labels.append(_fmt(a))
        elif integral or i == 0:
            labels.append(f"{_fmt(a)}-{_fmt(b)}")
        else:
            labels.append(f">{_fmt(a)}-{_fmt(b)}")
    return [float(e) for e in edges], labels


def attribute_groups(table: pl.DataFrame, attribute: str, bins: int = 4) -> pl.DataFrame:
    """The table with a `group` column for `attribute`: numeric attributes binned by quantile,
    others as text; nulls become "(missing)". Also `group_order` for display order."""
    _require(table, attribute)
    dtype = table.schema[attribute]
    if dtype.is_numeric():
        edges, labels = quantile_bins(table[attribute], bins)
        if edges:
            group = pl.col(attribute).cast(pl.Float64).cut(edges, labels=labels).cast(pl.Utf8)
        else:
            group = pl.when(pl.col(attribute).is_not_null()).then(
                pl.lit(labels[0] if labels else "")
            )
        rank = {lab: i for i, lab in enumerate(labels)}
        g = group.fill_null(MISSING)
        order = g.replace_strict(rank, default=len(rank), return_dtype=pl.Int64)
        return table.with_columns(g.alias("group")).with_columns(order.alias("group_order"))
    g = pl.col(attribute).cast(pl.Utf8).fill_null(MISSING)
    return table.with_columns(g.alias("group"), (g == MISSING).cast(pl.Int64).alias("group_order"))


def attribute_breakdown(table: pl.DataFrame, attribute: str, bins: int = 4) -> pl.DataFrame:
    """Customers, revenue, AOV, repeat rate ... per value of `attribute` (numeric ones binned by
    quantile, see quantile_bins). Columns: attribute, group, then the segment_summary columns."""
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
    per = lf.group_by("customer_id").agg(pl.col(c).drop_nulls().n_unique().alias(c) for c in cols)
    counts = per.select(
        pl.len().cast(pl.Int64).alias("__n"),
        *[(pl.col(c) > 1).sum().cast(pl.Int64).alias(c) for c in cols],
    ).collect()
    n = counts["__n"][0]
    bad = [counts[c][0] for c in cols]
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
