"""The optional customers file: one row per customer, an id column (anywhere) + attributes.

The id column is the one whose values match the orders' customer ids best when the orders are
known, else the one whose name says customer id, else the first column of unique values. Ids are
normalised like the orders' ids (core.ingest.identity).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from core.errors import InputError
from core.ingest.identity import normalise_id_expr
from core.ingest.parsing import parse_date
from core.ingest.readers import read_table
from core.ingest.roles import name_score, norm


def _id_column(raw: pl.DataFrame, order_ids: pl.Series | None, name: str | None) -> str:
    if order_ids is not None and order_ids.len():
        known = order_ids.unique().implode()
        overlap = {
            c: raw.select(normalise_id_expr(c).is_in(known).mean()).item() or 0.0
            for c in raw.columns
        }
        best = max(raw.columns, key=lambda c: overlap[c])
        if overlap[best] >= 0.2:
            return best
    scores = sorted(((name_score("customer_id", c), c) for c in raw.columns), reverse=True)
    if scores and scores[0][0] > 0:
        return scores[0][1]
    for c in raw.columns:
        s = raw[c].drop_nulls()
        if s.len() and s.n_unique() == s.len() and "id" in norm(c):
            return c
    raise InputError(
        f"no customer id column found (columns: {', '.join(raw.columns[:12])})", file=name
    )


def load_customers(
    data: bytes | str | Path, name: str | None = None, order_ids: pl.Series | None = None
) -> pl.DataFrame:
    """Read a customers file: customer_id + attributes (one row per customer; first row kept).

    `order_ids`: the orders' customer ids, to find the id column by its values."""
    if isinstance(data, (str, Path)):
        name = name or Path(data).name
    raw = read_table(data, name)
    id_col = _id_column(raw, order_ids, name)
    if "customer_id" in raw.columns and id_col != "customer_id":
        raw = raw.rename({"customer_id": "customer_id_2"})
    out = raw.rename({id_col: "customer_id"}).with_columns(
        normalise_id_expr("customer_id").alias("customer_id")
    )
    conv = []
    for column in out.columns:
        if column == "customer_id":
            continue
        s = out[column]
        if s.dtype != pl.Utf8:
            continue
        num = s.str.strip_chars().cast(pl.Float64, strict=False)
        if s.drop_nulls().len() and num.is_not_null().sum() == s.drop_nulls().len():
            conv.append(num.cast(pl.Int64) if (num.drop_nulls() % 1 == 0).all() else num)
        elif norm(column).endswith("date") or "signup" in norm(column):
            d, fmt, _ = parse_date(s)
            if fmt and d.is_not_null().sum() >= 0.8 * s.drop_nulls().len():
                conv.append(d)
    if conv:
        out = out.with_columns(conv)
    return (
        out.filter(pl.col("customer_id").is_not_null())
        .unique("customer_id", keep="first", maintain_order=True)
        .select("customer_id", *[c for c in out.columns if c != "customer_id"])
    )
