"""The canonical data model: role names, their dtypes, the customer-table columns and their kinds,
and the as-of date (SPEC: the last order date unless the user sets another).

An ingested orders frame has one row per order line and these columns (optional ones only when
present in the source): customer_id (Utf8), order_id (Utf8), order_date (Date), revenue (Float64),
quantity, unit_price, cost (Float64, line cost = unit cost x quantity), product, category, region,
channel (text held coded, see `coded`), status (Utf8: delivered / returned / cancelled /
in_transit / unknown), plus `source_row` (UInt32, 1-based data row in the file) and any other
source column kept under its original name as an attribute.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import polars as pl

REQUIRED_ROLES = ("customer_id", "order_date", "revenue")
OPTIONAL_ROLES = (
    "order_id",
    "quantity",
    "unit_price",
    "unit_cost",
    "cost",
    "product",
    "category",
    "region",
    "channel",
    "status",
)
ROLES = REQUIRED_ROLES + OPTIONAL_ROLES
DIMENSIONS = ("region", "category", "product", "channel", "status")
STATUSES = ("delivered", "returned", "cancelled", "in_transit", "unknown")
NET_EXCLUDED = ("returned", "cancelled")

# The text dimensions are held coded: each distinct text once and a 4-byte code per line, where
# a text column takes 16 bytes per line. Sorting, comparing with text, grouping and the `str`
# functions read a coded column as its text; core.ingest.readers reads them coded from a CSV.
CODED_ROLES = ("product", "category", "region", "channel")


def coded(col: pl.Series) -> pl.Series:
    """A text column as the orders table holds a coded role: a Categorical with categories of its
    own (dense codes, freed with the column; not the process-wide ones, which only grow)."""
    if isinstance(col.dtype, pl.Categorical):
        return col
    return col.cast(pl.Utf8).cast(pl.Categorical(pl.Categories.random()))


def per_distinct(col: pl.Series, read: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """`read` applied once to a coded column's distinct texts, its result given to each line by
    the line's code (a missing cell stays missing)."""
    return read(col.dtype.categories.to_series()).gather(col.to_physical()).alias(col.name)


def decoded(col: pl.Series) -> pl.Series:
    """A coded column as plain text; any other column as it is."""
    return per_distinct(col, lambda texts: texts) if isinstance(col.dtype, pl.Categorical) else col


def is_text(dtype: pl.DataType) -> bool:
    """Text, coded or not (a coded column's dtype equals only its own categories')."""
    return dtype == pl.Utf8 or isinstance(dtype, (pl.Categorical, pl.Enum))


ORDER_DTYPES: dict[str, pl.DataType] = {
    "customer_id": pl.Utf8(),
    "order_id": pl.Utf8(),
    "order_date": pl.Date(),
    "revenue": pl.Float64(),
    "quantity": pl.Float64(),
    "unit_price": pl.Float64(),
    "cost": pl.Float64(),
    "product": pl.Categorical(),
    "category": pl.Categorical(),
    "region": pl.Categorical(),
    "channel": pl.Categorical(),
    "status": pl.Utf8(),
}

# SPEC: the customer metrics table (the hub). Names are the vocabulary of insight rules.
CUSTOMER_COLUMNS = (
    "customer_id",
    "first_order",
    "last_order",
    "orders",
    "revenue",
    "aov",
    "recency_days",
    "tenure_days",
    "avg_days_between_orders",
    "return_rate",
    "r_score",
    "f_score",
    "m_score",
    "rfm_segment",
    "value_tier",
    "status",
    "p_alive",
    "expected_purchases_90d",
    "expected_clv_365d",
)

# The kind of each customer-table column: how it is read and shown (core.format formats a value
# by its kind). money: an amount in the file's currency; days: a whole number of days; percent: a
# share held as 0..1; count: a number of things (or a score); text; date.
KINDS = ("money", "days", "percent", "count", "text", "date")
CUSTOMER_COLUMN_KINDS: dict[str, str] = {
    "customer_id": "text",
    "first_order": "date",
    "last_order": "date",
    "orders": "count",
    "order_days": "count",
    "revenue": "money",
    "revenue_365d": "money",
    "profit": "money",
    "aov": "money",
    "recency_days": "days",
    "tenure_days": "days",
    "avg_days_between_orders": "days",
    "return_rate": "percent",
    "r_score": "count",
    "f_score": "count",
    "m_score": "count",
    "rfm_code": "text",
    "rfm_segment": "text",
    "value_tier": "text",
    "persona": "text",
    "loyalty": "text",
    "status": "text",
    "favourite_category": "text",
    "region": "text",
    "p_alive": "percent",
    "expected_purchases_90d": "count",
    "expected_clv_365d": "money",
}


def column_kind(name: str) -> str | None:
    """The kind of a customer-table column (see KINDS); None for an attribute column."""
    return CUSTOMER_COLUMN_KINDS.get(name)


Frame = pl.DataFrame | pl.LazyFrame


def as_lazy(orders: Frame) -> pl.LazyFrame:
    """The frame as a LazyFrame (a DataFrame is wrapped, a LazyFrame passes through)."""
    return orders.lazy() if isinstance(orders, pl.DataFrame) else orders


def resolve_as_of(orders: Frame, as_of: date | None = None) -> date:
    """SPEC: the last order date in the data unless the user sets another date."""
    if as_of is not None:
        return as_of
    last = as_lazy(orders).select(pl.col("order_date").max()).collect().item()
    return last or date.today()


def kept_lines(orders: Frame) -> pl.LazyFrame:
    """The lines customers kept: returned and cancelled lines left out (all lines when the file
    has no status). The lines net revenue and the CLV spend model read."""
    lf = as_lazy(orders)
    if "status" not in lf.collect_schema().names():
        return lf
    return lf.filter(~pl.col("status").is_in(list(NET_EXCLUDED)) | pl.col("status").is_null())
