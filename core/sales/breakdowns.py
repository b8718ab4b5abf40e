"""Sales by dimension: the dimensions a frame offers, value labels (numeric attributes binned),
revenue, orders and customers per value, underperformers and top products.

- Breakdown dimensions: region, category, product, channel, status, and attribute columns (any other
  text column that is not an id and has at most 50 distinct values; numeric attributes with more
  than 6 distinct values are binned at their customer-level quartiles). A missing value is its own
  bucket, labelled "(missing)".
"""

from __future__ import annotations

import polars as pl

from core.errors import InputError
from core.model.attributes import (
    MAX_GROUPS,
    MISSING,
    customer_value,
    groupable,
    is_id,
    numeric_bins,
    order_attributes,
)
from core.model.profit import costed_revenue_expr, profit_expr
from core.model.schema import DIMENSIONS
from core.sales.periods import has_column
from core.sales.trends import growth_expr

MAX_ATTRIBUTE_VALUES = MAX_GROUPS


def dimension_columns(orders: pl.DataFrame) -> list[str]:
    """The columns a breakdown can use: canonical dimensions present, then attribute columns."""
    dims = [d for d in DIMENSIONS if has_column(orders, d)]
    for name in order_attributes(orders.columns):
        if name not in dims and not is_id(name) and groupable(orders[name]):
            dims.append(name)
    return dims


def check_dimension(orders: pl.DataFrame, dimension: str) -> None:
    """InputError naming the dimensions available when `orders` has no column `dimension`."""
    if dimension not in orders.columns:
        raise InputError(
            f"no column {dimension!r} to break down by; available: "
            + ", ".join(dimension_columns(orders))
        )


def label_dimension(orders: pl.DataFrame, dimension: str, alias: str = "value") -> pl.DataFrame:
    """Add `alias`: the dimension as text, missing values as "(missing)".

    Numeric columns are grouped by the one numeric binning of core.model.attributes (the same
    groups as the Customers page): at most 6 distinct values are categories, otherwise quartiles
    of the per-customer values (each customer counted once, at their most frequent value), e.g.
    "18-31", "32-39", "40-47", "48-82" (intervals closed on the right)."""
    check_dimension(orders, dimension)
    col = pl.col(dimension)
    if orders.schema[dimension].is_numeric():
        per_customer = orders.group_by("customer_id").agg(customer_value(dimension))[dimension]
        text = numeric_bins(per_customer, 4).expr(dimension)
    else:
        text = col.cast(pl.Utf8)
    return orders.with_columns(
        pl.when(text.is_null() | (text.str.strip_chars() == ""))
        .then(pl.lit(MISSING))
        .otherwise(text)
        .alias(alias)
    )


def filter_values(orders: pl.DataFrame, dimension: str, values: list[str]) -> pl.DataFrame:
    """The lines whose `dimension` (labelled as in breakdowns: "(missing)", numeric bins) is one
    of `values`; all lines when `values` is empty."""
    if not values:
        return orders
    return (
        label_dimension(orders, dimension, "_picked")
        .filter(pl.col("_picked").is_in(list(values)))
        .drop("_picked")
    )


def _segment_aggs(orders: pl.DataFrame) -> list[pl.Expr]:
    aggs = [
        pl.col("revenue").sum(),
        pl.col("order_id").n_unique().alias("orders"),
        pl.col("customer_id").n_unique().alias("customers"),
    ]
    if has_column(orders, "cost"):
        aggs += [profit_expr(), costed_revenue_expr().alias("_costed")]
    if has_column(orders, "status"):
        aggs.append(
            pl.col("revenue").filter(pl.col("status") == "returned").sum().alias("returned_revenue")
        )
    return aggs


def breakdown(
    orders: pl.DataFrame, dimension: str, *, previous: pl.DataFrame | None = None
) -> pl.DataFrame:
    """One row per value of `dimension`, largest revenue first.

    Columns: value, revenue, orders, customers, aov, share (of revenue); profit and margin when
    cost exists; returned_revenue and return_rate when status exists; with `previous` (the same
    orders in an earlier period): previous_revenue and growth. `below_median` marks revenue below
    the median value's, `declining` a negative growth; `note` says which (null when neither).
    """
    check_dimension(orders, dimension)
    both = [orders.with_columns(pl.lit(True).alias("_cur"))]
    if previous is not None:
        both.append(previous.select(orders.columns).with_columns(pl.lit(False).alias("_cur")))
    labelled = label_dimension(pl.concat(both, how="vertical_relaxed"), dimension)
    cur = labelled.filter("_cur")
    out = (
        cur.group_by("value")
        .agg(_segment_aggs(cur))
        .with_columns(
            (pl.col("revenue") / pl.col("orders")).alias("aov"),
            (pl.col("revenue") / pl.col("revenue").sum()).alias("share"),
        )
    )
    if "profit" in out.columns:
        out = out.with_columns(
            pl.when(pl.col("_costed") != 0)
            .then(pl.col("profit") / pl.col("_costed"))
            .alias("margin")
        ).drop("_costed")
    if "returned_revenue" in out.columns:
        out = out.with_columns(
            (pl.col("returned_revenue") / pl.col("revenue")).alias("return_rate")
        )
    if previous is not None:
        prev = (
            labelled.filter(~pl.col("_cur"))
            .group_by("value")
            .agg(pl.col("revenue").sum().alias("previous_revenue"))
        )
        out = (
            out.join(prev, on="value", how="left")
            .with_columns(pl.col("previous_revenue").fill_null(0.0))
            .with_columns(
                growth_expr(pl.col("revenue"), pl.col("previous_revenue")).alias("growth")
            )
        )
        declining = (pl.col("growth") < 0).fill_null(False)
        growing = (pl.col("growth") > 0).fill_null(False)
    else:
        declining = growing = pl.lit(False)
    # a small value that grew is not an underperformer (West +58% below the median is not)
    below = (pl.col("revenue") < pl.col("revenue").median()) & ~growing
    return (
        out.with_columns(below.alias("below_median"), declining.alias("declining"))
        .with_columns(
            pl.when(pl.col("declining") & pl.col("below_median"))
            .then(pl.lit("declining, below median"))
            .when(pl.col("declining"))
            .then(pl.lit("declining"))
            .when(pl.col("below_median"))
            .then(pl.lit("below median"))
            .alias("note")
        )
        .sort(["revenue", "value"], descending=[True, False])
    )


def underperformers(table: pl.DataFrame) -> pl.DataFrame:
    """The rows of a breakdown that are declining or below the median, declining first."""
    return table.filter(pl.col("note").is_not_null()).sort(
        ["declining", "revenue"], descending=[True, False]
    )


def breakdown_figures(table: pl.DataFrame) -> pl.DataFrame:
    """A breakdown as a table for reading: without the helper flags (`note` says them)."""
    return table.drop("below_median", "declining")


def describe_underperformers(table: pl.DataFrame, dimension: str, top: int = 8) -> str | None:
    """E.g. "Underperformers by region (declining, or below the median value's revenue):
    Central (below median); West (declining)." None when there are none."""
    weak = underperformers(table).head(top)
    if weak.height == 0:
        return None
    items = weak.select(pl.format("{} ({})", "value", "note"))["value"].to_list()
    return (
        f"**Underperformers by {dimension}** (declining, or below the median value's revenue): "
        + "; ".join(items)
    )


_CONTRACT = ["value", "revenue", "orders", "customers", "share"]


def breakdowns(orders: pl.DataFrame, dimensions: list[str] | None = None) -> dict[str, list[dict]]:
    """{dimension: [{value, revenue, orders, customers, share}]} for `report --json`.

    Default dimensions: dimension_columns(orders). Largest revenue first; a missing value is its
    own bucket "(missing)"."""
    dims = dimension_columns(orders) if dimensions is None else dimensions
    for d in dims:
        check_dimension(orders, d)
    # only the columns the contract reads: each breakdown then copies a fifth of the lines' data
    slim = orders.select(*dict.fromkeys([*dims, "revenue", "order_id", "customer_id"]))
    return {
        d: breakdown(slim, d).select("value", "revenue", "orders", "customers", "share").to_dicts()
        for d in dims
    }


def top_products(orders: pl.DataFrame, n: int = 5, *, within: str = "category") -> pl.DataFrame:
    """The n best-selling products of each value of `within`: within, rank, product, revenue,
    orders, customers, share (of the group's revenue)."""
    for c in (within, "product"):
        if not has_column(orders, c):
            raise InputError(f"top products need a {c!r} column")
    df = label_dimension(label_dimension(orders, within, "_group"), "product", "_product")
    return (
        df.group_by("_group", "_product")
        .agg(
            pl.col("revenue").sum(),
            pl.col("order_id").n_unique().alias("orders"),
            pl.col("customer_id").n_unique().alias("customers"),
        )
        .with_columns(
            (pl.col("revenue") / pl.col("revenue").sum().over("_group")).alias("share"),
            pl.struct(pl.col("revenue").neg(), "_product")
            .rank("ordinal")
            .over("_group")
            .cast(pl.UInt32)
            .alias("rank"),
        )
        .filter(pl.col("rank") <= n)
        .sort(["_group", "rank"])
        .select(
            pl.col("_group").alias(within),
            "rank",
            pl.col("_product").alias("product"),
            "revenue",
            "orders",
            "customers",
            "share",
        )
    )
