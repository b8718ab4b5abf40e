"""The customer drill-down: finding customers, one customer's profile, orders and history,
and the labels a profile shows.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from core.errors import InputError
from core.model.status import STATUS_LABELS
from core.segments.common import require as _require


def find_customers(table: pl.DataFrame, query: str, limit: int = 50) -> pl.DataFrame:
    """Customers whose id (or name, when the table has one) contains `query`, case-insensitive;
    exact id matches first, then by revenue."""
    _require(table, "customer_id")
    q = (query or "").strip().lower()
    if not q:
        return table.sort("revenue", descending=True, nulls_last=True).head(limit)
    hit = pl.col("customer_id").cast(pl.Utf8).str.to_lowercase().str.contains(q, literal=True)
    for c in ("name", "Name", "customer_name"):
        if c in table.columns:
            hit = hit | pl.col(c).cast(pl.Utf8).str.to_lowercase().str.contains(q, literal=True)
    exact = pl.col("customer_id").cast(pl.Utf8).str.to_lowercase() == q
    return (
        table.filter(hit.fill_null(False))
        .sort(exact, pl.col("revenue"), descending=True, nulls_last=True)
        .head(limit)
    )


def customer_profile(table: pl.DataFrame, customer_id: str) -> dict:
    """The hub row of one customer as a dict; InputError when the id is unknown."""
    _require(table, "customer_id")
    row = table.filter(pl.col("customer_id") == str(customer_id))
    if row.is_empty():
        raise InputError(f"no customer with id {customer_id!r}", column="customer_id")
    return row.row(0, named=True)


def customer_orders(orders: pl.DataFrame | pl.LazyFrame, customer_id: str) -> pl.DataFrame:
    """One customer's orders, newest first: order_id, order_date, lines, revenue, and when present
    quantity, products (joined), status."""
    lf = orders.lazy().filter(pl.col("customer_id") == str(customer_id))
    names = lf.collect_schema().names()
    key = "order_id" if "order_id" in names else "order_date"
    aggs = [
        pl.col("order_date").min().alias("order_date"),
        pl.len().cast(pl.Int64).alias("lines"),
        pl.col("revenue").sum().alias("revenue"),
    ]
    if "quantity" in names:
        aggs.append(pl.col("quantity").sum().alias("quantity"))
    for c in ("product", "category"):
        if c in names:
            aggs.append(pl.col(c).drop_nulls().unique(maintain_order=True).str.join(", ").alias(c))
            break
    if "status" in names:
        aggs.append(pl.col("status").drop_nulls().unique(maintain_order=True).str.join(", "))
    if key == "order_date":
        aggs = aggs[1:]
    out = lf.group_by(key).agg(aggs).sort("order_date", descending=True).collect()
    if out.is_empty():
        raise InputError(f"no orders for customer {customer_id!r}", column="customer_id")
    return out


def customer_timeline(orders: pl.DataFrame | pl.LazyFrame, customer_id: str) -> pl.DataFrame:
    """One customer's revenue per order date with the running total (for a history chart)."""
    return (
        orders.lazy()
        .filter(pl.col("customer_id") == str(customer_id))
        .group_by("order_date")
        .agg(pl.col("revenue").sum())
        .sort("order_date")
        .with_columns(pl.col("revenue").cum_sum().alias("cumulative_revenue"))
        .collect()
    )


def match_labels(found: pl.DataFrame) -> dict[str, str]:
    """customer_id -> "id · segment" for a pick list of find_customers results."""
    _require(found, "customer_id")
    seg = pl.col("rfm_segment") if "rfm_segment" in found.columns else pl.lit(None)
    labels = found.select(
        pl.col("customer_id").cast(pl.Utf8),
        pl.concat_str(pl.col("customer_id"), seg, separator=" · ", ignore_nulls=True).alias("l"),
    )
    return dict(zip(labels["customer_id"].to_list(), labels["l"].to_list(), strict=True))


def profile_headline(profile: dict) -> str:
    """One customer's labels in a line of markdown: segment (R, F, M scores), tier, persona,
    loyalty and status, skipping those the profile does not have."""
    p = profile
    head = f"**{p.get('rfm_segment', '')}**"
    if all(p.get(k) is not None for k in ("r_score", "f_score", "m_score")):
        head += f" (R {p['r_score']} · F {p['f_score']} · M {p['m_score']})"
    parts = [head, *(str(p[k]) for k in ("value_tier", "persona", "loyalty") if p.get(k))]
    if p.get("status"):
        parts.append(f"status **{STATUS_LABELS.get(p['status'], p['status'])}**")
    return " · ".join(parts)


def profile_attributes(profile: dict, attributes: Sequence[str]) -> str:
    """ "name: value" of the customer's attributes, joined by " · " (a dash for a missing value)."""
    return " · ".join(
        f"{a}: {profile[a] if profile[a] is not None else '–'}" for a in attributes if a in profile
    )
