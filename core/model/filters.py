"""Global filters (date range and dimension values) applied to the canonical orders frame."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from core.model.schema import DIMENSIONS


@dataclass(frozen=True)
class Filters:
    start: date | None = None
    end: date | None = None
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)  # dimension -> kept values

    @property
    def active(self) -> bool:
        return bool(self.start or self.end or any(self.values.values()))

    def key(self) -> str:
        vals = ";".join(f"{k}={','.join(sorted(v))}" for k, v in sorted(self.values.items()) if v)
        return f"{self.start}|{self.end}|{vals}"


def apply_filters(orders: pl.DataFrame, filters: Filters) -> pl.DataFrame:
    """Keep the order lines inside the date range whose dimensions take the chosen values.

    "(missing)" in a value list keeps the lines where that dimension is empty."""
    cond = pl.lit(True)
    if filters.start:
        cond &= pl.col("order_date") >= filters.start
    if filters.end:
        cond &= pl.col("order_date") <= filters.end
    for dim, values in filters.values.items():
        if values and dim in orders.columns:
            keep = pl.col(dim).is_in([v for v in values if v != "(missing)"])
            if "(missing)" in values:
                keep |= pl.col(dim).is_null()
            cond &= keep
    return orders.filter(cond)


def dimension_values(orders: pl.DataFrame) -> dict[str, list[str]]:
    """The values each filterable dimension takes, by revenue (largest first)."""
    out = {}
    for dim in DIMENSIONS:
        if dim in orders.columns and dim != "status":
            vals = (
                orders.group_by(dim)
                .agg(pl.col("revenue").sum())
                .sort(["revenue", dim], descending=[True, False], nulls_last=True)[dim]
                .fill_null("(missing)")
            )
            out[dim] = vals.to_list()
    return out
