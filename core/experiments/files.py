"""Experiment files: reading one and detecting its roles.

Reads a row-level file (one row per unit: variant, outcomes, optional pre-period covariate,
segments and date) or an aggregated one (one row per variant: units and conversions, or units,
sum and sum_squares) into an `Experiment`, with the roles detected and editable through
`overrides`. core.experiments.analysis analyses it; core.experiments.report shows the result.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from core.model.errors import InputError

ROW_ROLES = ("unit", "variant", "outcome", "pre_period", "segment", "date")
AGG_ROLES = ("variant", "units", "conversions", "sum", "sum_squares")
ROLES = tuple(dict.fromkeys(ROW_ROLES + AGG_ROLES))

_OPTIONAL = ("pre_period", "segment", "date", "unit")
_NAMES: dict[str, tuple[str, ...]] = {
    "variant": (
        "variant",
        "variation",
        "group",
        "arm",
        "bucket",
        "treatment",
        "experiment_group",
        "test_group",
        "cohort",
        "version",
        "branch",
        "ab_group",
    ),
    "unit": (
        "unit",
        "unit_id",
        "customer_id",
        "customer",
        "user_id",
        "user",
        "client_id",
        "account_id",
        "visitor_id",
        "id",
        "member_id",
        "customerid",
        "userid",
    ),
    "units": ("units", "n", "users", "visitors", "customers", "count", "sample_size", "n_units"),
    "conversions": (
        "conversions",
        "converted",
        "successes",
        "conversion_count",
        "retained",
        "count_converted",
        "churned",
        "returned",
        "cancelled",
    ),
    "sum": ("sum", "total", "sum_value", "value_sum"),
    "sum_squares": ("sum_squares", "sum_sq", "sumsq", "sum_of_squares", "sum_squared", "ss"),
    "date": ("date", "day", "assigned_at", "assignment_date", "timestamp", "time", "start_date"),
}
_PRE = re.compile(r"(^pre_|^pre$|pre_?period|^baseline|covariate|_pre$|before)")
_SEGMENT = re.compile(r"segment|country|region|device|platform|channel|tier|plan|market|gender")
_OUTCOME_HINT = re.compile(r"retain|convert|conversion|churn|revenue|purchase|order|spend|click")
_TRUE = ("1", "1.0", "true", "yes", "y", "t")
_FALSE = ("0", "0.0", "false", "no", "n", "f")
_CONTROL_NAMES = ("control", "a", "0", "ctrl", "baseline", "original")


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


# ---------------------------------------------------------------- the experiment
@dataclass(frozen=True)
class Experiment:
    """A cleaned experiment. Row level: `frame` has one row per unit, the variant as Utf8,
    outcomes as Float64 (0/1 for conversions), pre_period Float64, segments Utf8, date Date.
    Aggregated: one row per variant with units and conversions, or units, sum, sum_squares.
    """

    frame: pl.DataFrame
    aggregated: bool
    name: str
    roles: dict[str, str]  # role -> column (segment: first segment)
    variants: tuple[str, ...]
    outcomes: tuple[str, ...]
    kinds: dict[str, str]  # outcome -> "proportion" | "mean"
    segments: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    units_in_two_variants: int = 0
    duplicate_rows: int = 0

    @property
    def variant(self) -> str:
        return self.roles["variant"]

    @property
    def pre_period(self) -> str | None:
        return self.roles.get("pre_period")

    @property
    def date(self) -> str | None:
        return self.roles.get("date")

    @property
    def unit(self) -> str | None:
        return self.roles.get("unit")


def default_control(variants: Sequence[str]) -> str:
    """A variant named control / A / 0 (case-insensitive), else the first."""
    for v in variants:
        if str(v).strip().lower() in _CONTROL_NAMES:
            return v
    if not variants:
        raise InputError("the experiment has no variants")
    return variants[0]


def _binary(col: pl.Series) -> pl.Series | None:
    """0/1 Float64 when every non-null value is a 0/1, yes/no or true/false; else None."""
    if col.dtype == pl.Boolean:
        return col.cast(pl.Float64)
    s = col.cast(pl.Utf8).str.strip_chars().str.to_lowercase()
    vals = s.drop_nulls()
    if vals.len() == 0 or not vals.is_in(_TRUE + _FALSE).all():
        return None
    return (
        pl.select(pl.when(s.is_in(_TRUE)).then(1.0).when(s.is_in(_FALSE)).then(0.0).otherwise(None))
        .to_series()
        .alias(col.name)
    )


def _numeric(col: pl.Series) -> pl.Series:
    from core.ingest.parsing import parse_amount

    return parse_amount(col)


def _numeric_share(col: pl.Series) -> float:
    vals = col.drop_nulls()
    if vals.len() == 0:
        return 0.0
    if col.dtype.is_numeric() or col.dtype == pl.Boolean:
        return 1.0
    return float(_numeric(vals).is_not_null().mean() or 0.0)


def _by_name(columns: Sequence[str], role: str, taken: set[str]) -> str | None:
    normed = {c: _norm(c) for c in columns if c not in taken}
    for name in _NAMES[role]:
        for c, n in normed.items():
            if n == name:
                return c
    return None


def detect_roles(df: pl.DataFrame, overrides: Mapping[str, str] | None = None) -> dict[str, object]:
    """Guess the roles of the columns. Returns {'aggregated': bool, role: column, 'segments': [...],
    'outcomes': [...]}; `overrides` (role -> column) win. Unknown columns in overrides raise.
    """
    overrides = dict(overrides or {})
    # an empty mapping switches an optional role off (no covariate, no segment, no date)
    off = {r for r, c in overrides.items() if c in ("", None) and r in _OPTIONAL}
    overrides = {r: c for r, c in overrides.items() if c not in ("", None)}
    for role, col in overrides.items():
        if role not in (*ROLES, "segments", "outcomes"):
            raise InputError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
        cols = col if isinstance(col, (list, tuple)) else [col]
        for c in cols:
            if c not in df.columns:
                raise InputError(f"there is no column {c!r} for role {role!r}")
    taken: set[str] = set()
    for col in overrides.values():  # a column mapped by the user is not guessed for another role
        taken |= set(col) if isinstance(col, (list, tuple)) else {col}
    roles: dict[str, object] = {}

    def pick(role: str) -> str | None:
        col = overrides.get(role) or _by_name(df.columns, role, taken)
        if col:
            roles[role] = col
            taken.add(col)
        return col

    variant = pick("variant")
    if variant is None:  # a text column with 2-10 values that is not a segment-looking name
        for c in df.columns:
            n = df[c].drop_nulls().n_unique()
            if 2 <= n <= 10 and not _SEGMENT.search(_norm(c)) and _numeric_share(df[c]) < 1:
                roles["variant"] = variant = c
                taken.add(c)
                break
    if variant is None:
        raise InputError("cannot find the variant column (name it variant or group, or map it)")
    units_col = overrides.get("units") or _by_name(df.columns, "units", taken)
    per_variant = df[variant].n_unique() == df.height
    aggregated = bool(units_col) and per_variant and "unit" not in overrides
    roles["aggregated"] = aggregated
    if aggregated:
        roles["units"] = units_col
        taken.add(units_col)
        if not pick("conversions"):
            pick("sum")
            pick("sum_squares")
            if "sum" not in roles or "sum_squares" not in roles:
                raise InputError(
                    "an aggregated experiment needs `units` and `conversions`, or `units`, `sum` "
                    "and `sum_squares`"
                )
        return roles

    if "unit" not in off:
        pick("unit")
    if "pre_period" in overrides and "pre_period" not in off:
        pick("pre_period")
    elif "pre_period" not in off:
        for c in df.columns:
            if c not in taken and _PRE.search(_norm(c)) and _numeric_share(df[c]) > 0.95:
                roles["pre_period"] = c
                taken.add(c)
                break
    if "date" in overrides and "date" not in off:
        pick("date")
    elif "date" not in off:
        for c in df.columns:
            if c in taken:
                continue
            dt = df[c].dtype
            is_date = dt in (pl.Date,) or isinstance(dt, pl.Datetime)
            if is_date or (_norm(c) in _NAMES["date"] or _norm(c).endswith("_date")):
                roles["date"] = c
                taken.add(c)
                break
    outcomes: list[str] = list(overrides.get("outcomes") or [])
    if overrides.get("outcome"):
        outcomes = [overrides["outcome"]] + [c for c in outcomes if c != overrides["outcome"]]
    segments: list[str] = list(overrides.get("segments") or [])
    if overrides.get("segment") and overrides["segment"] not in segments:
        segments.insert(0, overrides["segment"])
    taken |= set(outcomes) | set(segments)
    for c in df.columns:
        if c in taken:
            continue
        col = df[c]
        if _binary(col) is not None or (
            _numeric_share(col) > 0.95 and not _SEGMENT.search(_norm(c))
        ):
            if "outcomes" not in overrides:
                outcomes.append(c)
        elif (
            2 <= col.drop_nulls().n_unique() <= 20
            and "segments" not in overrides
            and "segment" not in off
        ):
            segments.append(c)
    if not outcomes:
        raise InputError("cannot find an outcome column (0/1, yes/no or a number per unit)")
    hinted = [c for c in outcomes if _OUTCOME_HINT.search(_norm(c))]
    if hinted and not overrides.get("outcome") and "outcomes" not in overrides:
        outcomes = hinted + [c for c in outcomes if c not in hinted]
    roles["outcome"] = outcomes[0]
    roles["outcomes"] = outcomes
    roles["segments"] = segments
    if segments:
        roles["segment"] = segments[0]
    return roles


def _first_bad_row(col: pl.Series, bad: pl.Series) -> int:
    return int(bad.arg_true()[0]) + 2  # 1-based data row + header line


def from_frame(
    df: pl.DataFrame, name: str = "experiment", overrides: Mapping[str, str] | None = None
) -> Experiment:
    """Clean a raw table (any dtypes, e.g. all-Utf8 from a CSV) into an Experiment."""
    if df.height == 0:
        raise InputError("the experiment file has no rows", file=name)
    try:
        roles = detect_roles(df, overrides)
    except InputError as exc:
        raise InputError(str(exc), file=name) from None
    variant = roles["variant"]
    df = df.filter(pl.col(variant).is_not_null()).with_columns(
        pl.col(variant).cast(pl.Utf8).str.strip_chars()
    )
    warnings: list[str] = []
    if roles["aggregated"]:
        return _aggregated(df, name, roles)

    cols = {variant: pl.col(variant)}
    kinds: dict[str, str] = {}
    clean: list[pl.Series] = [df[variant]]
    for c in roles["outcomes"]:
        s = _binary(df[c])
        kind = "proportion"
        if s is None:
            kind = "mean"
            s = _numeric(df[c])
            bad = s.is_null() & df[c].is_not_null()
            if bad.any():
                row = _first_bad_row(df[c], bad)
                raise InputError(
                    f"outcome value {df[c][row - 2]!r} is not a number or 0/1",
                    file=name,
                    column=c,
                    row=row,
                )
        kinds[c] = kind
        clean.append(s.alias(c))
        nulls = int(s.is_null().sum())
        if nulls:
            warnings.append(f"{nulls} rows have no value in {c!r} and are left out of it.")
    pre = roles.get("pre_period")
    if pre:
        s = _numeric(df[pre])
        clean.append(s.alias(pre))
        if s.is_null().any():
            warnings.append(
                f"{int(s.is_null().sum())} rows have no {pre!r}; CUPED fills them with the mean."
            )
    for c in roles["segments"]:
        clean.append(df[c].cast(pl.Utf8).fill_null("(missing)").alias(c))
    date = roles.get("date")
    if date:
        from core.ingest.parsing import parse_date

        d, _, _ = parse_date(df[date])
        if d.is_null().all():
            roles.pop("date")
            warnings.append(f"column {date!r} holds no readable dates; no chart over time.")
        else:
            clean.append(d.alias(date))
    unit = roles.get("unit")
    if unit:
        clean.append(df[unit].cast(pl.Utf8).alias(unit))
    frame = pl.DataFrame(clean)
    del cols
    cross = dup = 0
    if unit:
        per_unit = frame.group_by(unit).agg(pl.col(variant).n_unique().alias("k"), pl.len())
        cross = int((per_unit["k"] > 1).sum())
        if cross:
            bad_units = per_unit.filter(pl.col("k") > 1)[unit]
            frame = frame.filter(~pl.col(unit).is_in(bad_units.implode()))
            warnings.append(
                f"{cross} units appear in more than one variant and are left out of the analysis."
            )
        before = frame.height
        frame = frame.unique(subset=[unit], keep="first", maintain_order=True)
        dup = before - frame.height
        if dup:
            warnings.append(f"{dup} repeated rows of the same unit are counted once (first row).")
    variants = tuple(sorted(frame[variant].unique().to_list()))
    if len(variants) < 2:
        raise InputError(
            f"the experiment needs at least two variants; column {variant!r} has {len(variants)}",
            file=name,
            column=variant,
        )
    if len(variants) > 20:
        raise InputError(
            f"column {variant!r} has {len(variants)} different values: is it really the variant?",
            file=name,
            column=variant,
        )
    plain = {k: v for k, v in roles.items() if isinstance(v, str)}
    return Experiment(
        frame=frame,
        aggregated=False,
        name=name,
        roles=plain,
        variants=variants,
        outcomes=tuple(roles["outcomes"]),
        kinds=kinds,
        segments=tuple(roles["segments"]),
        warnings=tuple(warnings),
        units_in_two_variants=cross,
        duplicate_rows=dup,
    )


def _aggregated(df: pl.DataFrame, name: str, roles: dict) -> Experiment:
    variant = roles["variant"]
    metric_cols = [roles[r] for r in ("units", "conversions", "sum", "sum_squares") if r in roles]
    out = [df[variant]]
    for c in metric_cols:
        s = _numeric(df[c])
        bad = s.is_null() | (s < 0)
        if bad.any():
            row = _first_bad_row(df[c], bad)
            raise InputError(
                f"{df[c][row - 2]!r} is not a non-negative number", file=name, column=c, row=row
            )
        out.append(s.alias(c))
    frame = pl.DataFrame(out)
    units = frame[roles["units"]]
    if (units < 2).any():
        row = _first_bad_row(units, units < 2)
        raise InputError(
            "each variant needs at least 2 units", file=name, column=roles["units"], row=row
        )
    if "conversions" in roles:
        conv = frame[roles["conversions"]]
        over = conv > units
        if over.any():
            raise InputError(
                "more conversions than units",
                file=name,
                column=roles["conversions"],
                row=_first_bad_row(conv, over),
            )
        kind, outcome = "proportion", roles["conversions"]
    else:
        kind, outcome = "mean", roles["sum"]
    variants = tuple(frame[variant].to_list())
    if len(variants) < 2:
        raise InputError("the experiment needs at least two variants (rows)", file=name)
    plain = {k: v for k, v in roles.items() if isinstance(v, str)}
    return Experiment(
        frame=frame,
        aggregated=True,
        name=name,
        roles=plain,
        variants=variants,
        outcomes=(outcome,),
        kinds={outcome: kind},
    )


def load_experiment(
    data: bytes | str | Path,
    name: str | None = None,
    overrides: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
) -> Experiment:
    """Read an experiment file (CSV, TSV, .csv.gz, .xlsx, Parquet) and clean it."""
    from core.ingest.readers import read_table

    if isinstance(data, (str, Path)):
        name = name or Path(data).name
    df = read_table(data, name=name, sheet=sheet)
    return from_frame(df, name=name or "upload", overrides=overrides)
