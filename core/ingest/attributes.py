"""Which extra columns describe the customer (age, gender, subscription) and which the line.

A customer attribute is (nearly) constant within a customer: among customers with two or more
lines, at least 70% show one value. Row ids, product ids, stock codes and ship dates change from
line to line; they stay in the frame as line columns, never as "inconsistent attributes".
"""

from __future__ import annotations

import polars as pl

from core.model.schema import ORDER_DTYPES

_NOT_EXTRA = set(ORDER_DTYPES) | {"source_row", "unit_cost"}
CONSTANT_SHARE = 0.7


def extra_columns(orders: pl.DataFrame) -> list[str]:
    """Source columns kept beside the canonical roles."""
    return [c for c in orders.columns if c not in _NOT_EXTRA]


def customer_attributes(orders: pl.DataFrame, share: float = CONSTANT_SHARE) -> list[str]:
    """Extra columns that hold one value per customer for at least `share` of repeat customers."""
    extra = extra_columns(orders)
    if not extra or "customer_id" not in orders.columns:
        return []
    per = (
        orders.select("customer_id", *extra)
        .group_by("customer_id")
        .agg(pl.len().alias("_lines"), *[pl.col(c).drop_nulls().n_unique().alias(c) for c in extra])
        .filter(pl.col("_lines") > 1)
    )
    if per.height == 0:  # one line per customer: every column is constant within a customer
        return extra
    constant = per.select((pl.col(c) <= 1).mean() for c in extra).row(0)
    return [c for c, s in zip(extra, constant, strict=True) if s >= share]
