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
from core.model.ids import counting_ids
from core.model.profit import costed_revenue_expr, profit_expr
from core.model.schema import DIMENSIONS
from core.sales.periods import Period, has_column, in_period
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


def _missing_as_label(text: pl.Expr) -> pl.Expr:
    """A dimension's text with null and blank values as "(missing)" (the one labelling rule)."""
    return (
        pl.when(text.is_null() | (text.str.strip_chars() == ""))
        .then(pl.lit(MISSING))
        .otherwise(text)
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
    return orders.with_columns(_missing_as_label(text).alias(alias))


def _relabel(table: pl.DataFrame, dimension: str) -> pl.DataFrame | None:
    """A table grouped by the raw values of `dimension`, its key labelled as label_dimension
    labels lines and renamed `value`; None when a numeric dimension (binned) or two raw values
    sharing a label (a blank and a null are both "(missing)"): its lines must be labelled first."""
    if table.schema[dimension].is_numeric():
        return None
    text = _missing_as_label(pl.col(dimension).cast(pl.Utf8))
    out = table.with_columns(text.alias(dimension)).rename({dimension: "value"})
    return out if out["value"].n_unique() == out.height else None


def _raw_groups(schema: pl.Schema, dimension: str, aggs: list[pl.Expr]) -> bool:
    """Whether `dimension`'s raw values can be the groups: text-like (numbers are binned) and
    not named like one of the aggregates."""
    names = {a.meta.output_name() for a in aggs}
    return not schema[dimension].is_numeric() and dimension not in names


def _by_value(orders: pl.DataFrame, dimension: str, aggs: list[pl.Expr]) -> pl.DataFrame:
    """`aggs` per label of `dimension` (label_dimension's groups, key `value`). Dimensions have
    few values: the lines are grouped by their raw value and the groups labelled, unless two
    values share a label (or the dimension is numeric), when the lines are labelled first."""
    if _raw_groups(orders.schema, dimension, aggs):
        out = _relabel(orders.group_by(dimension).agg(aggs), dimension)
        if out is not None:
            return out
    return label_dimension(orders, dimension).group_by("value").agg(aggs)


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
    if previous is not None and orders.schema[dimension].is_numeric():
        # numeric bins come from both periods' customers: label the two periods together
        both = pl.concat(
            [
                orders.with_columns(pl.lit(True).alias("_cur")),
                previous.select(orders.columns).with_columns(pl.lit(False).alias("_cur")),
            ],
            how="vertical_relaxed",
        )
        labelled = label_dimension(both, dimension, "_value")
        orders = labelled.filter("_cur").drop("_cur")
        previous = labelled.filter(~pl.col("_cur")).drop("_cur")
        dimension = "_value"
    out = _by_value(orders, dimension, _segment_aggs(orders)).with_columns(
        (pl.col("revenue") / pl.col("orders")).alias("aov"),
        (pl.col("revenue") / pl.col("revenue").sum()).alias("share"),
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
        prev = _by_value(previous, dimension, [pl.col("revenue").sum().alias("previous_revenue")])
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


def period_breakdown(history: pl.DataFrame, dimension: str, period: Period) -> pl.DataFrame:
    """breakdown of the lines of `period` in `history`, with growth against the previous period
    of equal length (Period.previous); without growth columns when history has no line in it."""
    current, previous = in_period(history, period), in_period(history, period.previous())
    return breakdown(current, dimension, previous=previous if previous.height else None)


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
_CONTRACT_AGGS = [
    pl.col("revenue").sum(),
    pl.col("order_id").n_unique().alias("orders"),
    pl.col("customer_id").n_unique().alias("customers"),
]


def breakdown_plans(orders: pl.LazyFrame, dimensions: list[str]) -> dict[str, pl.LazyFrame]:
    """The lazy revenue, orders and customers per raw value of each text-like dimension, to
    collect together with other queries (pl.collect_all), then to pass to contract_rows."""
    schema = orders.collect_schema()
    return {
        d: orders.group_by(d).agg(_CONTRACT_AGGS)
        for d in dimensions
        if _raw_groups(schema, d, _CONTRACT_AGGS)
    }


def contract_rows(
    orders: pl.DataFrame, dimension: str, grouped: pl.DataFrame | None = None
) -> list[dict]:
    """The `report --json` rows of one dimension: its breakdown_plans result (`grouped`) with the
    raw values labelled; the lines labelled and grouped when there is none, or when two values
    share a label."""
    table = None if grouped is None else _relabel(grouped, dimension)
    if table is None:
        table = _by_value(orders, dimension, _CONTRACT_AGGS)
    return (
        table.with_columns((pl.col("revenue") / pl.col("revenue").sum()).alias("share"))
        .sort(["revenue", "value"], descending=[True, False])
        .select(_CONTRACT)
        .to_dicts()
    )


def breakdowns(orders: pl.DataFrame, dimensions: list[str] | None = None) -> dict[str, list[dict]]:
    """{dimension: [{value, revenue, orders, customers, share}]} for `report --json`.

    Default dimensions: dimension_columns(orders). Largest revenue first; a missing value is its
    own bucket "(missing)". The same rows as breakdown(orders, d), all dimensions in one pass."""
    dims = dimension_columns(orders) if dimensions is None else dimensions
    for d in dims:
        check_dimension(orders, d)
    if not {"customer_id", "order_id"} & set(dims):
        orders = counting_ids(orders)  # the ids are only counted, not shown
    plans = breakdown_plans(orders.lazy(), dims)
    grouped = dict(zip(plans, pl.collect_all(list(plans.values())), strict=True))
    return {d: contract_rows(orders, d, grouped.get(d)) for d in dims}


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
