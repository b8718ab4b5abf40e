"""Integer stand-ins for the text ids when only counting them: the same distinct counts and groups
as the ids, computed several times faster (n_unique and group_by over strings dominate `report`).

A code stands for exactly one id and an id has exactly one code, so every distinct count, group
and per-group count over any subset of the lines is the same as over the ids (no hashing: a hash
could merge two ids). customer_id: the physical codes of a categorical cast (a mapping of its
own, dropped with the codes). order_id: the run number (rle_id) when the lines of each order
are adjacent, as exports write them; checked, and the ids stay text when some order's lines
are apart.
"""

from __future__ import annotations

import polars as pl


def counting_ids(orders: pl.DataFrame) -> pl.DataFrame:
    """The frame with its text customer_id and order_id replaced by one-to-one integer codes,
    for queries that only count or group by them (their values are not shown)."""
    return coded_ids(orders, with_ids=False)[0]


def coded_ids(
    orders: pl.DataFrame, *, with_ids: bool = True
) -> tuple[pl.DataFrame, pl.Series | None]:
    """counting_ids, and the text customer_id of each code (None when customer_id stays as it
    is, or `with_ids` is False): `ids.gather(code)` gives a code's id back, so a query can group
    by the codes and show the ids of its (much fewer) result rows. A null id keeps a null code."""
    codes = {}
    ids = None
    if orders.schema.get("customer_id") == pl.Utf8:
        # a mapping of its own (not the process-wide one): dense codes, freed with the codes
        cat = orders["customer_id"].cast(pl.Categorical(pl.Categories.random()))
        codes["customer_id"] = cat.to_physical()
        if with_ids:  # read while `cat` lives (the mapping goes with it); code i is ids[i]
            ids = cat.dtype.categories.to_series().alias("customer_id")
    if orders.schema.get("order_id") == pl.Utf8 and _adjacent(orders["order_id"]):
        codes["order_id"] = orders["order_id"].rle_id()
    return (orders.with_columns(**codes) if codes else orders), ids


def _adjacent(ids: pl.Series) -> bool:
    """True when the lines of each id (and the null ids) form one run: no run's value recurs."""
    if ids.len() < 2 or ids.is_sorted() or ids.is_sorted(descending=True):
        return True
    starts = ids.filter(ids.ne_missing(ids.shift(1)).scatter(0, True))
    return starts.n_unique() == starts.len()


def sorted_codes(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """(codes, values by code) for a text column: one UInt32 code per distinct value, numbered
    in the values' sort order, so comparing codes compares the values (min of codes = code of
    the min); nulls keep null codes. `by_code.gather(codes)` gives the values back."""
    coded = isinstance(values.dtype, pl.Categorical)  # (a coded column: its own codes)
    cat = values if coded else values.cast(pl.Categorical(pl.Categories.random()))
    seen = cat.dtype.categories.to_series()  # read while `cat` lives; code i is seen[i]
    order = seen.arg_sort()
    rank = order.arg_sort()  # the sorted position of each first-seen code
    return rank.gather(cat.to_physical()).alias(values.name), seen.gather(order).alias(values.name)


_HALF = 1 << 32
_NULL = _HALF - 1  # a null code in a pair (no code reaches it: 4 billion distinct values)


def pair_key(first: str, second: str) -> pl.Expr:
    """One UInt64 per (first, second) pair of UInt32 codes, null codes included as values of
    their own: a group_by over one integer instead of two columns. unpair() gives both back."""
    a, b = (pl.col(c).cast(pl.UInt64).fill_null(_NULL) for c in (first, second))
    return (a * _HALF + b).alias("_pair")


def unpair(first: str, second: str) -> list[pl.Expr]:
    """The two UInt32 codes of pair_key's `_pair` (nulls back as nulls), named first and second."""
    pair = pl.col("_pair")
    return [
        pl.when(part != _NULL).then(part).cast(pl.UInt32).alias(name)
        for name, part in ((first, pair // _HALF), (second, pair % _HALF))
    ]


def is_code(dtype: pl.DataType) -> bool:
    """True for the UInt32 codes of coded_ids and sorted_codes (pair_key packs two of them)."""
    return dtype == pl.UInt32
