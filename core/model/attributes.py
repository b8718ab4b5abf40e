"""What counts as a customer attribute, and the one numeric binning of an attribute.

An attribute describes a customer (age, gender, region, subscription, favourite category ...); a
metric measures them (orders, revenue, recency_days, p_alive ...). The rule, in one place:

- In an orders frame, an attribute is any column that is not a canonical role (schema.ROLES) and
  not bookkeeping (source_row): `order_attributes`.
- In the customer table, an attribute is a column the hub does not compute. Every column the hub
  (and the segment labels added to it) computes has a kind in schema.CUSTOMER_COLUMN_KINDS, so a
  new per-customer metric declares its kind and is never mistaken for an attribute (a test builds
  the hub and checks that every column it produces is declared). The exceptions are the columns
  the hub derives to describe a customer (`DESCRIPTIVE`: region, favourite_category).
- Id-like columns (store_id, "Customer ID", CustomerId) are never attributes, and only columns
  that make groups are offered: text or true/false with at most `max_groups` values, numbers with
  at least two distinct values.

A customer's value of an attribute recorded on order lines is its most frequent non-null value
(ties to the smallest): `customer_value`.

Numeric binning (Sales breakdowns and Customers attribute breakdowns use this one): a number with
at most NUMERIC_AS_CATEGORY distinct values is a category (one group per value). Otherwise the
edges are the quantiles 1/bins .. (bins - 1)/bins (linear interpolation) of the per-customer values
(each customer counted once), rounded down for whole numbers, intervals closed on the right. Labels
give each bin's value range: whole numbers "18-31", "32-39", ... (each bin starts one above the
previous edge); fractions "10.5-20", ">20-31.25" (">": the edge itself is in the bin before).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from core.model.ids import is_code, pair_key, unpair
from core.model.schema import CUSTOMER_COLUMN_KINDS, ROLES, is_text

BOOKKEEPING = ("source_row",)
DESCRIPTIVE = ("region", "favourite_category")
MAX_GROUPS = 50
NUMERIC_AS_CATEGORY = 6
MISSING = "(missing)"

_ID = re.compile(r"(^|[_\s])id$", re.IGNORECASE)
_CAMEL_ID = re.compile(r"[a-z](Id|ID)$")


def is_id(name: str) -> bool:
    """Id-like column names: id, store_id, "Customer ID", CustomerId (not "paid" or "valid")."""
    return bool(_ID.search(name.strip()) or _CAMEL_ID.search(name.strip()))


def order_attributes(columns: Iterable[str]) -> list[str]:
    """The columns of an orders frame kept beside the canonical roles (age, gender, ...)."""
    skip = set(ROLES) | set(BOOKKEEPING)
    return [c for c in columns if c not in skip]


def is_hub_metric(name: str) -> bool:
    """True for a column the hub computes (declared with a kind), other than DESCRIPTIVE ones."""
    return name in CUSTOMER_COLUMN_KINDS and name not in DESCRIPTIVE


def groupable(series: pl.Series, max_groups: int = MAX_GROUPS) -> bool:
    """Text or true/false with 1..max_groups distinct values; numbers with 2 or more."""
    dtype = series.dtype
    values = series.drop_nulls()
    if dtype.is_numeric():
        return values.n_unique() > 1
    if is_text(dtype) or dtype == pl.Boolean:
        return 1 <= values.n_unique() <= max_groups
    return False


def customer_attributes(table: pl.DataFrame, max_groups: int = MAX_GROUPS) -> list[str]:
    """The attribute columns of a customer table, in table order; names differing only in case
    ("region" from the orders, "Region" from a customers file) count once."""
    out: list[str] = []
    seen: set[str] = set()
    for name in table.columns:
        role = name in ROLES and name not in DESCRIPTIVE
        if is_hub_metric(name) or role or name in BOOKKEEPING or is_id(name):
            continue
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        if groupable(table[name], max_groups):
            out.append(name)
    return out


def customer_value(column: str) -> pl.Expr:
    """A customer's value of an order-line attribute (in a group_by over customer_id): the most
    frequent non-null value, ties to the smallest, so the result is stable."""
    return pl.col(column).drop_nulls().mode().sort().first().alias(column)


def customer_values(lines: pl.LazyFrame, column: str, key: str = "customer_id") -> pl.LazyFrame:
    """customer_value of `column` for every `key` that has a non-null value (columns key,
    column), without a per-group mode: count each (key, value) pair, keep the largest count
    of each key, then the smallest value among those ties (min, like sort().first(), skips NaN
    unless only NaN is left). Keys with no non-null value have no row (a left join gives null)."""
    pairs = lines.select(key, column).filter(pl.col(column).is_not_null())
    schema = pairs.collect_schema()
    if is_code(schema[key]) and is_code(schema[column]):  # two codes: one integer to group by
        counts = (
            pairs.group_by(pair_key(key, column))
            .agg(pl.len().alias("_n"))
            .select(*unpair(key, column), "_n")
        )
    else:
        counts = pairs.group_by(key, column).agg(pl.len().alias("_n"))
    top = counts.filter(pl.col("_n") == pl.col("_n").max().over(key))
    return top.group_by(key).agg(pl.col(column).min())


def inconsistent_counts(lines: pl.LazyFrame, columns: list[str]) -> tuple[int, list[int]]:
    """(customers, per column the customers with more than one non-null value of it on their
    lines). The hub keeps one value per customer (customer_value); these are the customers
    whose lines disagree (the Data page's quality report and the Customers page)."""
    per = lines.group_by("customer_id").agg(
        pl.col(c).drop_nulls().n_unique().alias(c) for c in columns
    )
    row = per.select(
        pl.len().alias("__n"), *[(pl.col(c) > 1).sum().alias(c) for c in columns]
    ).collect()
    return int(row["__n"][0]), [int(row[c][0]) for c in columns]


@dataclass(frozen=True)
class Bins:
    """How a numeric attribute is grouped: right-closed `edges` with one label per bin, or, when
    `values` is set, one group per distinct value (edges empty)."""

    edges: tuple[float, ...]
    labels: tuple[str, ...]
    values: tuple[float, ...] = ()

    def expr(self, column: str | pl.Expr) -> pl.Expr:
        """The group label of each value as text (null stays null)."""
        col = (pl.col(column) if isinstance(column, str) else column).cast(pl.Float64)
        if self.values:
            return col.replace_strict(
                list(self.values), list(self.labels), default=None, return_dtype=pl.Utf8
            )
        if self.edges:
            return col.cut(list(self.edges), labels=list(self.labels)).cast(pl.Utf8)
        label = self.labels[0] if self.labels else None
        return pl.when(col.is_not_null()).then(pl.lit(label, dtype=pl.Utf8))


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.4g}"


def numeric_bins(values: pl.Series, bins: int = 4) -> Bins:
    """The one numeric binning (see the module docstring); `values` holds one value per customer."""
    s = values.drop_nulls().cast(pl.Float64)
    if s.is_empty():
        return Bins((), ())
    distinct = sorted(s.unique().to_list())
    if len(distinct) <= NUMERIC_AS_CATEGORY:
        return Bins((), tuple(_fmt(v) for v in distinct), tuple(distinct))
    lo, hi = distinct[0], distinct[-1]
    integral = bool((s == s.floor()).all())
    qs = [s.quantile(i / bins, "linear") for i in range(1, bins)]
    edges = sorted({math.floor(q) if integral else q for q in qs if q is not None})
    edges = [float(e) for e in edges if lo <= e < hi]
    if not edges:
        return Bins((), (f"{_fmt(lo)}-{_fmt(hi)}",))
    starts = [lo] + [e + 1 if integral else e for e in edges]
    ends = [*edges, hi]
    labels = []
    for i, (a, b) in enumerate(zip(starts, ends, strict=True)):
        if a == b:
            labels.append(_fmt(a))
        elif integral or i == 0:
            labels.append(f"{_fmt(a)}-{_fmt(b)}")
        else:
            labels.append(f">{_fmt(a)}-{_fmt(b)}")
    return Bins(tuple(edges), tuple(labels))
