"""Customer identity: ids that differ only in how they were typed are one customer.

An id is normalised to Unicode NFC, full-width forms become their ASCII twins, zero-width
characters and surrounding spaces go, and e-mail addresses are compared without case.
Placeholders such as "(blank)", "NULL" or "N/A" are missing ids. The number of ids merged this
way is reported, with an example.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

# what spreadsheets and SQL dumps write for "no value"
MISSING = ["", "(blank)", "null", "none", "nan", "n/a", "na", "#n/a", "-", "--", "?"]
_ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
_FULL_WIDTH = [chr(c) for c in range(0xFF01, 0xFF5F)] + ["\u3000"]
_ASCII = [chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)] + [" "]


@dataclass(frozen=True)
class IdMerge:
    """What normalising the customer ids did."""

    merged: int  # distinct ids before minus distinct ids after
    example: tuple[str, str] | None = None  # (an id as written, the id it became)

    @property
    def sentence(self) -> str:
        if not self.merged:
            return ""
        ex = f" (e.g. {self.example[0]!r} is {self.example[1]!r})" if self.example else ""
        return (
            f"{self.merged:,} customer ids were merged with another that differs only in "
            f"spaces, case of an e-mail, invisible or full-width characters{ex}."
        )


def normalise_id_expr(col: str) -> pl.Expr:
    """The normalised form of a customer id column (null stays null; blank becomes null)."""
    s = (
        pl.col(col)
        .cast(pl.Utf8)
        .str.normalize("NFC")
        .str.replace_many(_ZERO_WIDTH, [""] * len(_ZERO_WIDTH))
        .str.replace_many(_FULL_WIDTH, _ASCII)
        .str.strip_chars()
    )
    s = pl.when(s.str.contains("@")).then(s.str.to_lowercase()).otherwise(s)
    return pl.when(s.str.to_lowercase().is_in(MISSING)).then(None).otherwise(s).alias(col)


# an id that normalising leaves as it is: printable ASCII without "@", no surrounding space
_CLEAN = r"^[!-?A-~]([ -?A-~]*[!-?A-~])?$"
_PLACEHOLDER = "(?i)^(" + "|".join(re.escape(m) for m in MISSING if m) + ")$"


def normalise_ids(ids: pl.Series) -> tuple[pl.Series, IdMerge]:
    """Normalise a customer id series; say how many distinct ids were merged.

    Each distinct id is checked once (a file repeats its ids on every line of every order):
    when normalising would leave them all as they are (plain ASCII, no e-mail, no placeholder:
    most files) the ids are kept. Otherwise each distinct id is normalised once and mapped back
    onto the lines."""
    raw = ids.cast(pl.Utf8)
    distinct = raw.drop_nulls().unique().to_frame("raw")
    kept = pl.col("raw").str.contains(_CLEAN) & ~pl.col("raw").str.contains(_PLACEHOLDER)
    if distinct.select(kept.all()).item():
        return raw.alias(ids.name), IdMerge(0)
    pairs = distinct.with_columns(norm=normalise_id_expr("raw"))
    norm = raw.to_frame("raw").join(pairs, on="raw", how="left", maintain_order="left")["norm"]
    pairs = pairs.drop_nulls()
    merged = pairs["raw"].n_unique() - pairs["norm"].n_unique()
    example = None
    if merged:
        changed = pairs.filter(
            (pl.col("raw") != pl.col("norm")) & (pl.col("norm").len().over("norm") > 1)
        ).sort("raw")
        if changed.height:
            example = (changed["raw"][0], changed["norm"][0])
    return norm.alias(ids.name), IdMerge(int(merged), example)
