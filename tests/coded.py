"""Comparing frames whose text dimensions are coded: two loads code them with categories of their
own (core.model.schema.coded), so equal columns differ in dtype; compare their text."""

from __future__ import annotations

import polars as pl

from core.model.schema import decoded


def as_text(df: pl.DataFrame) -> pl.DataFrame:
    """The frame with every coded (Categorical) column as plain text."""
    return df.with_columns(
        decoded(df[c]) for c, t in df.schema.items() if isinstance(t, pl.Categorical)
    )


def coded_columns(df: pl.DataFrame) -> list[str]:
    return [c for c, t in df.schema.items() if isinstance(t, pl.Categorical)]


def same_table(a: pl.DataFrame, b: pl.DataFrame) -> bool:
    """The same columns, coded alike, with the same text and values (dtypes too, codes aside)."""
    a_text, b_text = as_text(a), as_text(b)
    return (
        coded_columns(a) == coded_columns(b)
        and a_text.schema == b_text.schema
        and a_text.equals(b_text)
    )
