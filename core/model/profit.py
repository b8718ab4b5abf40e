"""The one profit definition, used by Sales (KPIs, breakdowns) and the customer table.

Cost is often known for only some lines (a product without a unit cost, a marketplace line).
Subtracting the cost we know from all the revenue would count the uncosted lines' revenue as pure
profit, so both sides are taken over the same lines:

    profit = sum(revenue - cost) over the lines that have a cost
    margin = profit / revenue of those lines (the costed revenue)

A group of lines (a customer, a breakdown value) with no costed line has no profit (null).
"""

from __future__ import annotations

import polars as pl

_COSTED = pl.col("cost").is_not_null()


def profit_expr() -> pl.Expr:
    """Profit of the lines in the context (a select or a group_by aggregation), named profit."""
    value = (pl.col("revenue") - pl.col("cost")).filter(_COSTED).sum()
    return pl.when(_COSTED.any()).then(value).alias("profit")


def costed_revenue_expr() -> pl.Expr:
    """Revenue of the lines that have a cost (the base of the margin), named costed_revenue."""
    return pl.col("revenue").filter(_COSTED).sum().alias("costed_revenue")


def profit_margin(profit: float | None, costed_revenue: float | None) -> float | None:
    """profit / costed revenue; None when either is missing or the costed revenue is zero."""
    if profit is None or not costed_revenue:
        return None
    return profit / costed_revenue
