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
    return coded_ids(orders)[0]


def coded_ids(orders: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series | None]:
    """counting_ids, and the text customer_id of each code (None when customer_id stays as it
    is): `ids.gather(code)` gives a code's id back, so a query can group by the codes and show
    the ids of its (much fewer) result rows. A null id keeps a null code."""
    codes = {}
    ids = None
    if orders.schema.get("customer_id") == pl.Utf8:
        # a mapping of its own (not the process-wide one): dense codes, freed with the codes
        cat = orders["customer_id"].cast(pl.Categorical(pl.Categories.random()))
        codes["customer_id"] = cat.to_physical()
        # read while `cat` lives (the mapping goes with it); the id of code i is ids[i]
        ids = cat.dtype.categories.to_series()
    if orders.schema.get("order_id") == pl.Utf8 and _adjacent(orders["order_id"]):
        codes["order_id"] = orders["order_id"].rle_id()
    return (orders.with_columns(**codes) if codes else orders), ids


def _adjacent(ids: pl.Series) -> bool:
    """True when the lines of each id (and the null ids) form one run: no run's value recurs."""
    if ids.len() < 2 or ids.is_sorted() or ids.is_sorted(descending=True):
        return True
    starts = ids.filter(ids.ne_missing(ids.shift(1)).scatter(0, True))
    return starts.n_unique() == starts.len()
