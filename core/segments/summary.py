"""Segment contribution: customers, revenue, AOV and repeat rate per group of any grouping
(segment, tier, persona, loyalty, status), the headline figures and the top products per group.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from core.errors import InputError
from core.model.status import STATUS_LABELS
from core.segments.common import require as _require
from core.segments.loyalty import LOYALTY_ORDER
from core.segments.personas import PERSONAS
from core.segments.rfm import SEGMENT_ORDER, segment_map

_ORDERS_OF = {
    "rfm_segment": SEGMENT_ORDER,
    "persona": tuple(PERSONAS),
    "loyalty": LOYALTY_ORDER,
    # raw codes, then the labels of with_status_labels (a table shows one or the other)
    "status": (*STATUS_LABELS, *STATUS_LABELS.values()),
}


def summary_aggs() -> list[pl.Expr]:
    """Customers, revenue, orders, average recency and repeat rate of a group."""
    return [
        pl.len().cast(pl.Int64).alias("customers"),
        pl.col("revenue").sum().alias("revenue"),
        pl.col("orders").sum().cast(pl.Int64).alias("orders"),
        pl.col("recency_days").mean().alias("avg_recency_days"),
        (pl.col("orders") >= 2).mean().alias("repeat_rate"),
    ]


def finish_summary(df: pl.DataFrame) -> pl.DataFrame:
    """Shares, AOV, revenue and orders per customer from the summary_aggs columns."""
    return df.with_columns(
        (pl.col("customers") / pl.col("customers").sum()).alias("customer_share"),
        (pl.col("revenue") / pl.col("revenue").sum()).alias("revenue_share"),
        (pl.col("revenue") / pl.col("orders")).alias("aov"),
        (pl.col("revenue") / pl.col("customers")).alias("revenue_per_customer"),
        (pl.col("orders") / pl.col("customers")).alias("orders_per_customer"),
    )


SUMMARY_COLUMNS = (
    "customers",
    "customer_share",
    "revenue",
    "revenue_share",
    "orders",
    "aov",
    "revenue_per_customer",
    "orders_per_customer",
    "avg_recency_days",
    "repeat_rate",
)


def segment_summary(
    table: pl.DataFrame, by: str = "rfm_segment", order: Sequence[str] | None = None
) -> pl.DataFrame:
    """Revenue, customers and AOV per group of `by` (a segment, tier, persona or any column).

    Columns: <by>, customers, customer_share, revenue, revenue_share, orders, aov,
    revenue_per_customer, orders_per_customer, avg_recency_days, repeat_rate (and description,
    action for rfm_segment). Known groupings keep their natural order; others are sorted by
    revenue, largest first.
    """
    _require(table, by, "revenue", "orders", "recency_days")
    out = finish_summary(table.group_by(by).agg(summary_aggs()))
    order = list(order) if order is not None else list(_ORDERS_OF.get(by, ()))
    if order:
        rank = {name: i for i, name in enumerate(order)}
        out = out.sort(
            pl.col(by).cast(pl.Utf8).replace_strict(rank, default=len(rank), return_dtype=pl.Int64),
            pl.col("revenue"),
            descending=[False, True],
            nulls_last=True,
        )
    else:
        out = out.sort("revenue", descending=True, nulls_last=True)
    out = out.select(by, *SUMMARY_COLUMNS)
    if by == "rfm_segment":
        info = segment_map().select("rfm_segment", "description", "action")
        out = out.join(info, on="rfm_segment", how="left", maintain_order="left")
    return out


def segment_kpis(table: pl.DataFrame) -> dict:
    """Headline figures of the scored table: customers, revenue, revenue_per_customer, aov,
    repeat_rate, champions (customers), champions_revenue_share, slipping (customers) and
    slipping_revenue_share (At Risk + Cannot Lose Them: valuable customers who have not come
    back)."""
    _require(table, "revenue", "orders", "rfm_segment")
    row = table.select(
        pl.len().cast(pl.Int64).alias("customers"),
        pl.col("revenue").sum().alias("revenue"),
        pl.col("orders").sum().alias("orders"),
        (pl.col("orders") >= 2).mean().alias("repeat_rate"),
        (pl.col("rfm_segment") == "Champions").sum().cast(pl.Int64).alias("champions"),
        pl.col("rfm_segment").is_in(["At Risk", "Cannot Lose Them"]).sum().alias("slipping"),
        pl.col("revenue").filter(pl.col("rfm_segment") == "Champions").sum().alias("_champ"),
        pl.col("revenue")
        .filter(pl.col("rfm_segment").is_in(["At Risk", "Cannot Lose Them"]))
        .sum()
        .alias("_slip"),
    ).row(0, named=True)
    n, rev, orders = row["customers"], row["revenue"] or 0.0, row["orders"] or 0
    return {
        "customers": n,
        "revenue": rev,
        "revenue_per_customer": rev / n if n else None,
        "aov": rev / orders if orders else None,
        "repeat_rate": row["repeat_rate"],
        "champions": row["champions"],
        "champions_revenue_share": row["_champ"] / rev if rev else None,
        "slipping": int(row["slipping"]),
        "slipping_revenue_share": row["_slip"] / rev if rev else None,
    }


def item_column(columns: Sequence[str]) -> str | None:
    """The column segment_products breaks each group down by: product, else category."""
    return next((c for c in ("product", "category") if c in columns), None)


def segment_products(
    orders: pl.DataFrame | pl.LazyFrame,
    table: pl.DataFrame,
    by: str = "rfm_segment",
    top: int = 5,
    item: str | None = None,
) -> pl.DataFrame:
    """What each group buys: per group of `by`, its `top` items by revenue.

    item defaults to product, else category. Columns: <by>, <item>, rank, revenue, customers,
    share_of_group (the item's share of the group's revenue).
    """
    lf = orders.lazy()
    names = lf.collect_schema().names()
    if item is None:
        item = item_column(names)
        if item is None:
            raise InputError("the orders have no product or category column to break down")
    elif item not in names:
        raise InputError(f"the orders have no {item!r} column", column=item)
    _require(table, "customer_id", by)
    if top < 1:
        raise InputError(f"top must be at least 1, got {top}")
    joined = lf.select("customer_id", item, "revenue").join(
        table.lazy().select("customer_id", by), on="customer_id", how="inner"
    )
    return (
        joined.group_by(by, item)
        .agg(pl.col("revenue").sum(), pl.col("customer_id").n_unique().alias("customers"))
        .with_columns(
            (pl.col("revenue") / pl.col("revenue").sum().over(by)).alias("share_of_group"),
            # equal revenue: the item's name decides (the same ranks on every run)
            pl.struct(pl.col("revenue").neg(), item)
            .rank(method="ordinal")
            .over(by)
            .cast(pl.Int64)
            .alias("rank"),
        )
        .filter(pl.col("rank") <= top)
        .sort(by, "rank")
        .select(by, item, "rank", "revenue", "customers", "share_of_group")
        .collect()
    )


def top_items(
    products: pl.DataFrame,
    by: str,
    top: int,
    group: str | None = None,
    order: Sequence[str] | None = None,
) -> pl.DataFrame:
    """The rows of segment_products with rank <= `top`.

    With `group`: that group's rows only, without the `by` and rank columns (item, revenue,
    customers, share_of_group). Otherwise every group, in `order` when given (groups not in it
    last), then by rank."""
    _require(products, by, "rank", what="product breakdown")
    out = products.filter(pl.col("rank") <= top)
    if group is not None:
        return out.filter(pl.col(by) == group).drop(by, "rank")
    if order is not None:
        rank = {name: i for i, name in enumerate(order)}
        pos = (
            pl.col(by).cast(pl.Utf8).replace_strict(rank, default=len(rank), return_dtype=pl.Int64)
        )
        out = out.sort(pos, pl.col(by), pl.col("rank"), nulls_last=True)
    return out
