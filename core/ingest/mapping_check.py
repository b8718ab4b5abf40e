"""Mapping check: whether a role mapping can work, said in words before it is applied.

The mapping editor (and anything else that lets a person choose which column plays which role)
asks `mapping_problems(raw, mapping)` first; an empty list means the mapping can be applied.
Each reason names the column and the role in the editor's words, never `role=COLUMN`.
"""

from __future__ import annotations

import polars as pl

from core.ingest.parsing import parse_amount, parse_date
from core.model.schema import ROLES

DATE_ROLES = ("order_date",)
AMOUNT_ROLES = ("revenue", "quantity", "unit_price", "unit_cost", "cost")
READABLE_SHARE = 0.5  # a role's column must read for at least half of its non-empty values
SAMPLE_ROWS = 5000


def role_label(role: str) -> str:
    """The role as the mapping editor names it ('order_date' -> 'order date')."""
    return role.replace("_", " ")


def _share(parsed: pl.Series, values: pl.Series) -> float:
    filled = values.is_not_null() & (values.cast(pl.Utf8).str.strip_chars() != "")
    n = int(filled.sum())
    return float((parsed.is_not_null() & filled).sum()) / n if n else 1.0


def _date_share(col: pl.Series) -> float:
    return _share(parse_date(col)[0], col)


def _amount_share(col: pl.Series) -> float:
    if col.dtype.is_numeric():
        return 1.0
    if col.dtype == pl.Date or isinstance(col.dtype, pl.Datetime):
        return 0.0
    # amounts are digits with signs, separators and a symbol or a 3-letter code ("EUR 12,50"),
    # so an id such as "C00517" is not an amount even though its digits parse
    frame = pl.DataFrame({"v": col.cast(pl.Utf8).str.strip_chars()})
    amount = frame.select(
        pl.when(pl.col("v").str.contains(r"^[^A-Za-z]*([A-Za-z]{3})?[^A-Za-z]*$"))
        .then(pl.col("v"))
        .alias("v")
    )["v"]
    return _share(parse_amount(amount), col)


def mapping_problems(raw: pl.DataFrame, mapping: dict[str, str]) -> list[str]:
    """Reasons why `mapping` (role -> column, unmapped roles left out) cannot work on `raw`.

    Refused: an unknown role or column, one column given two roles, a missing customer id or
    amount (a file without order dates is allowed: the figures that need none are shown), an
    order date column whose values are mostly not dates, a date column given to another role,
    and an amount role whose column is mostly not numbers.
    """
    problems: list[str] = []
    mapping = {r: c for r, c in mapping.items() if c}
    for role, column in mapping.items():
        if role not in ROLES:
            problems.append(f"'{role}' is not a role; the roles are {', '.join(ROLES)}.")
        elif column not in raw.columns:
            problems.append(f"The file has no column '{column}' for the {role_label(role)}.")
    if problems:
        return problems
    by_column: dict[str, list[str]] = {}
    for role, column in mapping.items():
        by_column.setdefault(column, []).append(role)
    for column, roles in by_column.items():
        if len(roles) > 1:
            names = " and ".join(role_label(r) for r in roles)
            problems.append(
                f"Column '{column}' is chosen for both {names}; a column can play one role."
            )
    missing = [r for r in ("customer_id",) if r not in mapping]  # no order date: undated figures
    if "revenue" not in mapping and not {"quantity", "unit_price"} <= mapping.keys():
        missing.append("revenue")
    for role in missing:
        extra = " (or both quantity and unit price)" if role == "revenue" else ""
        problems.append(f"Choose a column for the {role_label(role)}{extra}.")

    sample = raw.head(SAMPLE_ROWS)
    date_share = {c: _date_share(sample[c]) for c in set(mapping.values())}
    for role, column in mapping.items():
        share = date_share[column]
        if role in DATE_ROLES and share < READABLE_SHARE:
            problems.append(
                f"Column '{column}' cannot be the {role_label(role)}: only {share:.0%} of its "
                "values read as dates."
            )
        elif role not in DATE_ROLES and share >= 0.9 and sample[column].drop_nulls().len():
            problems.append(
                f"Column '{column}' holds dates, so it cannot be the {role_label(role)}; "
                "choose it as the order date or leave the role empty."
            )
        elif role in AMOUNT_ROLES:
            amount = _amount_share(sample[column])
            if amount < READABLE_SHARE:
                problems.append(
                    f"Column '{column}' cannot be the {role_label(role)}: only {amount:.0%} of "
                    "its values read as numbers."
                )
    return problems
