"""Operational leakage: revenue by shipping status, status labels and returns per dimension
value.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from core.errors import InputError
from core.model.schema import NET_EXCLUDED
from core.sales.breakdowns import label_dimension
from core.sales.periods import has_column


def _need_status(orders: pl.DataFrame) -> None:
    if not has_column(orders, "status"):
        raise InputError("this needs an order status column (delivered / returned / ...)")


def status_breakdown(orders: pl.DataFrame) -> pl.DataFrame:
    """Revenue by shipping status: status, revenue, orders, lines, share."""
    _need_status(orders)
    return (
        label_dimension(orders, "status", "status_")
        .group_by("status_")
        .agg(
            pl.col("revenue").sum(),
            pl.col("order_id").n_unique().alias("orders"),
            pl.len().alias("lines"),
        )
        .with_columns((pl.col("revenue") / pl.col("revenue").sum()).alias("share"))
        .sort(["revenue", "status_"], descending=[True, False])
        .rename({"status_": "status"})
    )


SHIPPING_STATUS_LABELS: dict[str, str] = {
    "delivered": "Delivered",
    "returned": "Returned",
    "cancelled": "Cancelled",
    "in_transit": "In transit",
    "unknown": "Unknown",
}


def label_statuses(table: pl.DataFrame, column: str = "status") -> pl.DataFrame:
    """`column` with shipping status codes shown as words ("in_transit" -> "In transit");
    other values (e.g. "(missing)") stay as they are."""
    return table.with_columns(pl.col(column).replace(SHIPPING_STATUS_LABELS).alias(column))


def returns_by(orders: pl.DataFrame, dimension: str = "product") -> pl.DataFrame:
    """Returns per value of `dimension`: value, revenue, returned_revenue, return_rate,
    returned_orders, share_of_returns; most returned revenue first."""
    _need_status(orders)
    returned = pl.col("status") == "returned"
    return (
        label_dimension(orders, dimension)
        .group_by("value")
        .agg(
            pl.col("revenue").sum(),
            pl.col("revenue").filter(returned).sum().alias("returned_revenue"),
            pl.col("order_id").filter(returned).n_unique().alias("returned_orders"),
        )
        .with_columns(
            pl.when(pl.col("revenue") != 0)
            .then(pl.col("returned_revenue") / pl.col("revenue"))
            .alias("return_rate"),
            (pl.col("returned_revenue") / pl.col("returned_revenue").sum()).alias(
                "share_of_returns"
            ),
        )
        .sort(["returned_revenue", "value"], descending=[True, False])
        .select(
            "value",
            "revenue",
            "returned_revenue",
            "return_rate",
            "returned_orders",
            "share_of_returns",
        )
    )


@dataclass(frozen=True)
class Leakage:
    """The Sales page's leakage tab for a period: `state` is "no_status" (the orders have no
    status), "none" (no returned or cancelled line) or "shown"; then revenue by status
    (labelled) and returns by category and by product (None without that column)."""

    state: str
    by_status: pl.DataFrame | None = None
    by_category: pl.DataFrame | None = None
    by_product: pl.DataFrame | None = None


def leakage(lines: pl.DataFrame) -> Leakage:
    """Leakage of a period's lines (with its return and cancellation lines: ingest's
    with_credit_lines)."""
    if not has_column(lines, "status"):
        return Leakage("no_status")
    if not lines["status"].is_in(list(NET_EXCLUDED)).any():
        return Leakage("none")
    return Leakage(
        "shown",
        label_statuses(status_breakdown(lines)),
        returns_by(lines, "category") if has_column(lines, "category") else None,
        returns_by(lines, "product") if has_column(lines, "product") else None,
    )
