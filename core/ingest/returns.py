"""Cancellations and returns: lines that take money back are not purchases.

A line is a return or cancellation when its amount or quantity is negative, when its order id
is a cancellation invoice (a `C` prefix on otherwise numeric invoice numbers, as in the UCI
online retail export), or when its status says cancelled / returned / refunded and its amount is
not positive. Those lines leave the orders frame (orders count purchases only; revenue is gross
purchases) and are kept beside it, negative, so net revenue can subtract them. A purchase line
whose status says it was returned later stays a purchase; SPEC's net revenue leaves it out.
"""

from __future__ import annotations

import polars as pl

RETURN_KINDS = ("return", "cancellation")


def cancellation_prefix(order_ids: pl.Series) -> str | None:
    """'C' when some order ids are cancellation invoices (C + the usual numeric id)."""
    text = order_ids.cast(pl.Utf8)
    if not text.str.contains(r"^\s*[Cc]\d+\s*$").any():  # one pass, before the distinct ids
        return None
    ids = text.drop_nulls().unique().cast(pl.Utf8).str.strip_chars()
    if ids.len() == 0:
        return None
    prefixed = ids.str.contains(r"^[Cc]\d+$")
    numeric = ids.str.contains(r"^\d+$")
    if prefixed.any() and (numeric.mean() or 0.0) >= 0.5 and (prefixed | numeric).mean() >= 0.95:
        return "C"
    return None


def credit_kind(df: pl.DataFrame, prefix: str | None) -> pl.Expr:
    """Per line: 'cancellation', 'return' or null (a purchase)."""
    cols = set(df.columns)
    negative = pl.col("revenue") < 0
    if "quantity" in cols:
        negative = negative | (pl.col("quantity") < 0)
    kind = pl.lit(None, dtype=pl.Utf8)
    if "status" in cols:
        credit = pl.col("status").is_in(["cancelled", "returned"]) & (pl.col("revenue") <= 0)
        label = pl.when(pl.col("status") == "cancelled").then(pl.lit("cancellation"))
        kind = pl.when(credit.fill_null(False)).then(label.otherwise(pl.lit("return")))
    if prefix and "order_id" in cols:
        cancelled = pl.col("order_id").str.contains(r"^[Cc]\d+$").fill_null(False)
        kind = pl.when(kind.is_null() & cancelled).then(pl.lit("cancellation")).otherwise(kind)
    return (
        pl.when(kind.is_null() & negative.fill_null(False)).then(pl.lit("return")).otherwise(kind)
    )


def split_returns(df: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, str]:
    """(purchases, returns with a `kind` column and negative revenue, a sentence or '')."""
    prefix = cancellation_prefix(df["order_id"]) if "order_id" in df.columns else None
    kind = df.select(credit_kind(df, prefix).alias("kind")).to_series()
    if kind.null_count() == kind.len():  # no credit line: nothing to copy
        return df, df.clear().with_columns(kind=pl.lit(None, dtype=pl.Utf8)), ""
    credit = kind.is_not_null()
    returns = df.filter(credit).with_columns(
        kind=kind.filter(credit), revenue=-pl.col("revenue").abs()
    )
    purchases = df.filter(~credit)
    counts = dict(returns.group_by("kind").len().rows())
    parts = [f"{counts[k]:,} {k} lines" for k in RETURN_KINDS if counts.get(k)]
    how = []
    if prefix:
        how.append("an order id starting with C")
    how.append("a negative amount or quantity")
    if "status" in df.columns:
        how.append("a cancelled/returned status with no positive amount")
    total = abs(float(returns["revenue"].sum()))
    return (
        purchases,
        returns,
        f"{' and '.join(parts)} ({', '.join(how)}) are not counted as orders; "
        f"net revenue subtracts their {total:,.2f}.",
    )


def with_credit_lines(orders: pl.DataFrame, returns: pl.DataFrame) -> pl.DataFrame:
    """Purchases and return/cancellation lines in one frame for the returns views: a credit line
    becomes a line with status returned / cancelled and its amount taken back (positive), so a
    status breakdown or a return rate counts it. Not for revenue: that is purchases only."""
    if returns.height == 0:
        return orders
    base = orders if "status" in orders.columns else orders.with_columns(status=pl.lit("unknown"))
    status = pl.when(pl.col("kind") == "cancellation").then(pl.lit("cancelled"))
    credit = returns.with_columns(
        status=status.otherwise(pl.lit("returned")), revenue=pl.col("revenue").abs()
    ).select([c for c in base.columns if c in returns.columns or c == "status"])
    return pl.concat([base, credit], how="diagonal_relaxed")
