"""Reading a date column: which format, decided from evidence across the whole column, and why.

Day/month order is decided by the values that fit only one order ("12/13/2010 only fits
month/day"), anywhere in the column, not by its first rows. When every value fits both orders,
other evidence decides, in this order: the file's other date columns, the column's order (a file
sorted by date stays sorted only one way), how tightly the dates cluster (real orders fall on
neighbouring days, not on the 1st-12th of successive months), the file's decimal separator. The
decision and its evidence come back as one sentence for the warnings and the Data page. The user
can override with a strftime pattern or `dmy` / `mdy` / `ymd`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from core.errors import InputError

ORDER_NAMES = {"dmy": "day/month", "mdy": "month/day", "ymd": "year/month/day"}

# (format, order); within an order the earlier format wins a tie
_FORMATS: tuple[tuple[str, str], ...] = (
    ("%Y-%m-%d", "ymd"),
    ("%Y/%m/%d", "ymd"),
    ("%Y.%m.%d", "ymd"),
    ("%Y%m%d", "ymd"),
    ("%d/%m/%Y", "dmy"),
    ("%d.%m.%Y", "dmy"),
    ("%d-%m-%Y", "dmy"),
    ("%d/%m/%y", "dmy"),
    ("%d.%m.%y", "dmy"),
    ("%d-%m-%y", "dmy"),
    ("%m/%d/%Y", "mdy"),
    ("%m-%d-%Y", "mdy"),
    ("%m.%d.%Y", "mdy"),
    ("%m/%d/%y", "mdy"),
    ("%m-%d-%y", "mdy"),
    ("%m.%d.%y", "mdy"),
    ("%d %b %Y", "named"),
    ("%b %d, %Y", "named"),
    ("%d %B %Y", "named"),
    ("%B %d, %Y", "named"),
    ("%d-%b-%Y", "named"),
    ("%d-%b-%y", "named"),
    ("%b %d %Y", "named"),
    ("%a, %d %b %Y", "named"),
)
_SWAP = {"dmy": "mdy", "mdy": "dmy"}
_TIME = r"[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[AaPp]\.?[Mm]\.?|[+-]\d{2}:?\d{2}|UTC|GMT)?$"


@dataclass(frozen=True)
class DateDecision:
    """How a date column is read: the format, the day/month order, and the evidence."""

    format: str | None
    order: str | None  # dmy / mdy / ymd / named / native / None (not dates)
    share: float  # share of non-blank values read with the format
    evidence: str = ""  # one sentence: why this order
    ambiguous: bool = False  # no value decided the day/month order

    @property
    def order_name(self) -> str:
        return ORDER_NAMES.get(self.order or "", self.order or "")


def _date_part(e: pl.Expr) -> pl.Expr:
    return e.cast(pl.Utf8).str.strip_chars().str.replace(_TIME, "").str.strip_chars()


def date_part(s: pl.Series) -> pl.Series:
    """Drop a time and an offset: keep the date as written (local to the shop)."""
    return s.to_frame().select(_date_part(pl.col(s.name))).to_series()


_DISTINCT_SAMPLE = 2_000  # first values that tell a column of dates from one of date-times


def date_parts(col: pl.Series) -> pl.DataFrame:
    """v: the date part of each distinct non-blank value, n: its lines, in the order the file
    first writes it. Dates repeat on every line of their day: the distinct values are found
    first. Date-times are mostly distinct: the date part of every value is taken, then counted
    (a table of a million distinct texts held 4 times the memory)."""
    col = col.drop_nulls()
    if _mostly_distinct(col):
        parts = col.to_frame("w").lazy().select(v=_date_part(pl.col("w")))
        counted = parts.group_by("v", maintain_order=True).agg(n=pl.len().cast(pl.UInt32))
        return counted.filter(pl.col("v") != "").collect()
    written = col.to_frame("w").group_by("w", maintain_order=True).len("n")
    return (
        written.select(v=date_part(written["w"]), n="n")
        .group_by("v", maintain_order=True)
        .agg(pl.col("n").sum())
        .filter(pl.col("v") != "")
    )


def _strptime(s: pl.Series, fmt: str) -> pl.Series:
    out = s.str.strptime(pl.Date, fmt, strict=False)
    if "%Y" in fmt:  # polars reads "12/1/10" with %Y as the year 10: a four-digit year only
        out = pl.select(pl.when(out.dt.year() >= 1000).then(out)).to_series()
    return out


def _mostly_distinct(col: pl.Series) -> bool:
    """Whether the column's first values are mostly distinct (date-times, not dates)."""
    head = col.head(_DISTINCT_SAMPLE)
    return head.n_unique() * 2 > head.len()


def _by_value(col: pl.Series, parse: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """`parse` once per distinct value, mapped back onto the lines (a date repeats on every
    line of every order of its day); every line parsed when values hardly repeat."""
    if _mostly_distinct(col):
        return parse(col).alias(col.name)
    distinct = col.unique()
    if distinct.len() * 4 > col.len():
        return parse(col).alias(col.name)
    pairs = pl.DataFrame({"v": distinct, "d": parse(distinct)})
    lines = col.to_frame("v").join(
        pairs, on="v", how="left", maintain_order="left", nulls_equal=True
    )
    return lines["d"].alias(col.name)


def _apply(col: pl.Series, fmt: str) -> pl.Series:
    if any(t in fmt for t in ("%H", "%I", "%M", "%S")):  # a user pattern with the time
        return _by_value(
            col.cast(pl.Utf8),
            lambda v: v.str.strip_chars().str.to_datetime(fmt, strict=False).dt.date(),
        )
    return _by_value(col.cast(pl.Utf8), lambda v: _strptime(date_part(v), fmt))


def _check_user_format(fmt: str) -> None:
    if fmt.lower() in ORDER_NAMES:
        return
    if "%" not in fmt:
        raise InputError(
            f"--date-format takes a strftime pattern such as %d/%m/%Y, or dmy, mdy or ymd; "
            f"got {fmt!r}"
        )


def _scores(values: pl.DataFrame, formats: list[tuple[str, str]]) -> dict[str, float]:
    total = values["n"].sum() or 1
    return {
        fmt: float(values.filter(_strptime(values["v"], fmt).is_not_null())["n"].sum()) / total
        for fmt, _ in formats
    }


def _sorted_share(col: pl.Series, fmt: str) -> float:
    d = _strptime(date_part(col.drop_nulls()), fmt).drop_nulls()
    if d.len() < 3:
        return 0.0
    steps = d.diff().drop_nulls().dt.total_days()
    moved = steps.filter(steps != 0)
    return float((moved > 0).mean()) if moved.len() else 0.0


def _spread(values: pl.DataFrame, fmt: str) -> float:
    """Days spanned per distinct date: near 1 for real daily orders, ~30 for a wrong order."""
    d = _strptime(values["v"], fmt).drop_nulls().unique()
    if d.len() < 2:
        return 1.0
    return ((d.max() - d.min()).days + 1) / d.len()


def decide_date_format(
    col: pl.Series,
    *,
    user: str | None = None,
    other_orders: dict[str, str] | None = None,
    decimal_comma: bool | None = None,
) -> DateDecision:
    """Decide how `col` (text) is read as dates, from every value in it.

    `user`: a strftime pattern or dmy / mdy / ymd (wins over everything). `other_orders`: the
    day/month order the file's other date columns were decided on by their values (column ->
    order). `decimal_comma`: the file's amounts use a decimal comma (True) or point (False)."""
    name = col.name
    if col.dtype == pl.Date or isinstance(col.dtype, pl.Datetime):
        return DateDecision(None, "native", 1.0, f"{name!r} holds dates already.")
    if col.dtype.is_numeric():
        col = col.cast(pl.Int64, strict=False).cast(pl.Utf8)
    values = date_parts(col)
    if values.height == 0:
        return DateDecision(None, None, 0.0)
    if user:
        _check_user_format(user)
        family = user.lower()
        if family not in ORDER_NAMES:
            read = _apply(col.drop_nulls(), user).is_not_null().mean() or 0.0
            return DateDecision(user, "user", float(read), f"read with {user} (your choice).")
        formats = [f for f in _FORMATS if f[1] == family]
        scores = _scores(values, formats)
        best = max(formats, key=lambda f: scores[f[0]])[0]
        return DateDecision(
            best, family, scores[best], f"read as {ORDER_NAMES[family]} (your choice)."
        )
    formats = list(_FORMATS)
    scores = _scores(values, formats)
    best, order = max(formats, key=lambda f: scores[f[0]])
    share = scores[best]
    if share == 0 or order not in _SWAP:
        return DateDecision(best if share else None, order if share else None, share)
    rival = best.replace("%d", "%D").replace("%m", "%d").replace("%D", "%m")
    if rival not in scores:
        scores |= _scores(values, [(rival, _SWAP[order])])
    if scores[rival] < share:
        # a value that only fits the winner decides it
        fits = _strptime(values["v"], best).is_not_null() & _strptime(values["v"], rival).is_null()
        example = values.filter(fits)["v"][0]
        return DateDecision(
            best,
            order,
            share,
            f"read as {ORDER_NAMES[order]}: {example!r} only fits {ORDER_NAMES[order]}.",
        )
    # every value fits both orders: other evidence, strongest first
    dmy_fmt, mdy_fmt = (best, rival) if order == "dmy" else (rival, best)
    pick, why = None, ""
    decided = {c: o for c, o in (other_orders or {}).items() if o in _SWAP}
    if decided and len(set(decided.values())) == 1:
        column, pick = next(iter(decided.items()))
        why = f"the file's {column!r} dates only fit {ORDER_NAMES[pick]}"
    if pick is None:
        s_dmy, s_mdy = _sorted_share(col, dmy_fmt), _sorted_share(col, mdy_fmt)
        if max(s_dmy, s_mdy) >= 0.98 and abs(s_dmy - s_mdy) >= 0.05:
            pick = "dmy" if s_dmy > s_mdy else "mdy"
            why = f"the rows are in date order only when read as {ORDER_NAMES[pick]}"
    if pick is None:
        sp_dmy, sp_mdy = _spread(values, dmy_fmt), _spread(values, mdy_fmt)
        if max(sp_dmy, sp_mdy) >= 3 * min(sp_dmy, sp_mdy):
            pick = "dmy" if sp_dmy < sp_mdy else "mdy"
            loser = "mdy" if pick == "dmy" else "dmy"
            why = (
                f"read as {ORDER_NAMES[loser]} the dates would fall on a few days of "
                f"successive months"
            )
    if pick is None and decimal_comma is not None:
        pick = "dmy" if decimal_comma else "mdy"
        why = (
            "the amounts use a decimal comma, as day-first countries do"
            if decimal_comma
            else "the amounts use a decimal point, as in US exports"
        )
    if pick is None:
        pick, why = "dmy", "no evidence either way: day/month is the default"
    fmt = dmy_fmt if pick == "dmy" else mdy_fmt
    return DateDecision(
        fmt,
        pick,
        share,
        f"every value fits day/month and month/day; read as {ORDER_NAMES[pick]} because {why}.",
        ambiguous=True,
    )


def read_dates(col: pl.Series, decision: DateDecision) -> pl.Series:
    """The column as pl.Date under a decision (null where a value does not read)."""
    if col.dtype == pl.Date:
        return col
    if isinstance(col.dtype, pl.Datetime):
        return col.dt.date()
    if decision.format is None:
        return pl.Series(col.name, [None] * col.len(), dtype=pl.Date)
    if col.dtype.is_numeric():
        col = col.cast(pl.Int64, strict=False).cast(pl.Utf8)
    return _apply(col, decision.format).alias(col.name)
