"""What every segments module shares: the check that a table has the columns a function needs
and the label of a missing value."""

from __future__ import annotations

import polars as pl

from core.errors import InputError
from core.model.attributes import MISSING

__all__ = ["MISSING", "require"]


def require(table: pl.DataFrame, *columns: str, what: str = "customer table") -> None:
    """Raise InputError naming the first of `columns` that `table` lacks."""
    for c in columns:
        if c not in table.columns:
            raise InputError(f"the {what} has no {c!r} column", column=c)
