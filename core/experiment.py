"""Experiment files: reading, role detection and the full analysis of an A/B test.

Owns the bridge between a user's experiment file and core.abtest: it reads a row-level file (one
row per unit: variant, outcomes, optional pre-period covariate, segments and date) or an
aggregated one (one row per variant: units and conversions, or units, sum and sum_squares),
detects the roles (editable through `overrides`), turns the data into per-variant statistics with
polars, and assembles the health checks, the comparisons, CUPED, segments, cumulative lift over
time and the verdict into one `Analysis`, plus the SPEC JSON of `python -m core abtest`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
from scipy import stats as sps

from core import abtest as ab
from core.errors import InputError

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
    from core.parsing import parse_amount

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
    if "pre_period" in off:
        pass
    elif "pre_period" in overrides:
        pick("pre_period")
    else:
        for c in df.columns:
            if c not in taken and _PRE.search(_norm(c)) and _numeric_share(df[c]) > 0.95:
                roles["pre_period"] = c
                taken.add(c)
                break
    if "date" in off:
        pass
    elif "date" in overrides:
        pick("date")
    else:
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
        from core.parsing import parse_date

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
    from core.readers import read_table

    if isinstance(data, (str, Path)):
        name = name or Path(data).name
    df = read_table(data, name=name, sheet=sheet)
    return from_frame(df, name=name or "upload", overrides=overrides)


# ---------------------------------------------------------------- statistics
def _agg_exprs(metric: str, pre: str | None) -> list[pl.Expr]:
    y = pl.col(metric)
    exprs = [y.count().alias("n"), y.sum().alias("sum"), (y * y).sum().alias("sum_squares")]
    if pre:
        x = pl.col("__pre")
        valid = y.is_not_null()
        exprs += [
            x.filter(valid).sum().alias("pre_sum"),
            (x * x).filter(valid).sum().alias("pre_sum_squares"),
            (x * y).filter(valid).sum().alias("sum_products"),
        ]
    return exprs


def _with_pre(exp: Experiment, frame: pl.DataFrame) -> pl.DataFrame:
    pre = exp.pre_period
    if not pre:
        return frame
    return frame.with_columns(pl.col(pre).fill_null(pl.col(pre).mean()).alias("__pre"))


def _stat_from_row(row: dict, kind: str, cuped: bool) -> ab.Statistic:
    post: ab.ProportionStatistic | ab.SampleMeanStatistic
    if kind == "proportion":
        post = ab.ProportionStatistic(n=row["n"], sum=row["sum"])
    else:
        post = ab.SampleMeanStatistic(n=row["n"], sum=row["sum"], sum_squares=row["sum_squares"])
    if not cuped:
        return post
    pre = ab.SampleMeanStatistic(row["n"], row["pre_sum"], row["pre_sum_squares"])
    return ab.RegressionAdjustedStatistic(post, pre, row["sum_products"], 0.0)


def summary_table(
    exp: Experiment, metric: str | None = None, by: Sequence[str] = (), cuped: bool = False
) -> pl.DataFrame:
    """Per-variant sufficient statistics (n, sum, sum_squares [, pre sums]) grouped by `by`."""
    metric = metric or exp.outcomes[0]
    v = exp.variant
    if exp.aggregated:
        r = exp.roles
        if exp.kinds[metric] == "proportion":
            s = pl.col(r["conversions"])
            ss = s
        else:
            s, ss = pl.col(r["sum"]), pl.col(r["sum_squares"])
        return exp.frame.select(
            pl.col(v), pl.col(r["units"]).alias("n"), s.alias("sum"), ss.alias("sum_squares")
        )
    pre = exp.pre_period if cuped else None
    frame = _with_pre(exp, exp.frame) if pre else exp.frame
    return frame.lazy().group_by([*by, v]).agg(_agg_exprs(metric, pre)).sort([*by, v]).collect()


def variant_statistics(
    exp: Experiment, metric: str | None = None, cuped: bool = False
) -> dict[str, ab.Statistic]:
    """{variant: statistic} for one outcome; with cuped, regression-adjusted with pooled theta."""
    metric = metric or exp.outcomes[0]
    _check_metric(exp, metric)
    cuped = cuped and bool(exp.pre_period) and not exp.aggregated
    table = summary_table(exp, metric, cuped=cuped)
    kind = exp.kinds[metric]
    stats = {r[exp.variant]: _stat_from_row(r, kind, cuped) for r in table.iter_rows(named=True)}
    if cuped:
        stats = ab.with_theta(stats)
    return {k: stats[k] for k in exp.variants if k in stats}


def _check_metric(exp: Experiment, metric: str) -> None:
    if metric not in exp.kinds:
        raise InputError(
            f"{metric!r} is not an outcome of this experiment; outcomes: {', '.join(exp.outcomes)}",
            file=exp.name,
            column=metric,
        )


# ---------------------------------------------------------------- health
@dataclass(frozen=True)
class HealthCheck:
    name: str
    ok: bool
    detail: str
    blocking: bool = False  # a failed blocking check makes the result untrustworthy


def covariate_balance(exp: Experiment, control: str) -> pl.DataFrame:
    """Balance of pre-period covariate (SMD) and segments (chi-square) across variants."""
    rows: list[dict] = []
    if exp.aggregated:
        return pl.DataFrame(
            schema={
                "covariate": pl.Utf8,
                "test": pl.Utf8,
                "variant": pl.Utf8,
                "value": pl.Float64,
                "p_value": pl.Float64,
                "ok": pl.Boolean,
            }
        )
    v = exp.variant
    pre = exp.pre_period
    if pre:
        t = (
            exp.frame.group_by(v)
            .agg(
                pl.col(pre).count().alias("n"),
                pl.col(pre).sum().alias("s"),
                (pl.col(pre) ** 2).sum().alias("ss"),
            )
            .sort(v)
        )
        st = {
            r[v]: ab.SampleMeanStatistic(r["n"], r["s"], r["ss"]) for r in t.iter_rows(named=True)
        }
        for k in exp.variants:
            if k == control or k not in st or control not in st:
                continue
            smd = ab.standardised_mean_difference(st[control], st[k])
            rows.append(
                dict(
                    covariate=pre,
                    test="standardised mean difference",
                    variant=k,
                    value=smd,
                    p_value=None,
                    ok=abs(smd) <= ab.SMD_THRESHOLD,
                )
            )
    for seg in exp.segments:
        counts = exp.frame.pivot(on=seg, index=v, values=v, aggregate_function="len").fill_null(0)
        table = counts.drop(v).to_numpy()
        if table.shape[1] < 2:
            continue
        res = sps.chi2_contingency(table)
        rows.append(
            dict(
                covariate=seg,
                test="chi-square",
                variant="all",
                value=float(res.statistic),
                p_value=float(res.pvalue),
                ok=bool(res.pvalue >= 0.01),
            )
        )
    return pl.DataFrame(
        rows,
        schema={
            "covariate": pl.Utf8,
            "test": pl.Utf8,
            "variant": pl.Utf8,
            "value": pl.Float64,
            "p_value": pl.Float64,
            "ok": pl.Boolean,
        },
    )


def health_checks(
    exp: Experiment,
    stats: Mapping[str, ab.Statistic],
    control: str,
    weights: Sequence[float] | None = None,
    balance: pl.DataFrame | None = None,
) -> tuple[ab.SRMResult, list[HealthCheck]]:
    """SRM, covariate balance, units in two variants, too-small samples."""
    units_tbl = (
        exp.frame.group_by(exp.variant).agg(pl.len().alias("n"))
        if not exp.aggregated
        else exp.frame.select(pl.col(exp.variant), pl.col(exp.roles["units"]).alias("n"))
    )
    counts = dict(units_tbl.iter_rows())
    units = [float(counts.get(k, 0)) for k in exp.variants]
    if weights is not None and len(weights) != len(exp.variants):
        raise InputError(
            f"the intended split has {len(weights)} weights for {len(exp.variants)} variants"
        )
    srm = ab.srm_test(units, weights)
    split = " / ".join(f"{k}: {int(u):,}" for k, u in zip(exp.variants, units, strict=True))
    exp_split = " / ".join(f"{e:,.0f}" for e in srm.expected)
    checks = [
        HealthCheck(
            "Sample ratio",
            srm.ok,
            f"Units {split}; expected {exp_split} from the intended split "
            f"(chi-square p = {ab.fmt_p(srm.p_value)}"
            + ("" if srm.ok else "; below 0.001: the assignment or logging is broken")
            + ").",
            blocking=True,
        )
    ]
    if balance is not None and balance.height:
        bad = balance.filter(~pl.col("ok"))
        if bad.height:
            what = ", ".join(
                f"{r['covariate']} ({r['test']}"
                + (f" {r['value']:+.2f}" if r["p_value"] is None else f" p = {r['p_value']:.3g}")
                + ")"
                for r in bad.iter_rows(named=True)
            )
            checks.append(HealthCheck("Covariate balance", False, f"Imbalanced: {what}."))
        else:
            checks.append(
                HealthCheck(
                    "Covariate balance",
                    True,
                    f"Balanced across variants: {', '.join(balance['covariate'].to_list())} "
                    "(|SMD| <= 0.1, chi-square p >= 0.01).",
                )
            )
    if not exp.aggregated and exp.unit:
        n = exp.units_in_two_variants
        checks.append(
            HealthCheck(
                "Units in two variants",
                n == 0,
                "No unit appears in more than one variant."
                if n == 0
                else f"{n} units appear in more than one variant; they are left out.",
                blocking=n > 0.01 * sum(units),
            )
        )
    small = [k for k, s in stats.items() if s.n < ab.MIN_UNITS]
    few = [
        k
        for k, s in stats.items()
        if isinstance(s, ab.ProportionStatistic) and min(s.sum, s.n - s.sum) < ab.MIN_CONVERSIONS
    ]
    detail = "Every variant has at least 100 units."
    if small:
        detail = f"Fewer than {ab.MIN_UNITS} units in {', '.join(small)}: results are fragile."
    if few:
        detail += f" Fewer than {ab.MIN_CONVERSIONS} conversions (or non-conversions) in " + (
            ", ".join(few) + ": see Fisher's exact test."
        )
    checks.append(HealthCheck("Sample size", not (small or few), detail))
    return srm, checks


# ---------------------------------------------------------------- segments and time
def segment_results(
    exp: Experiment,
    metric: str,
    control: str,
    segment: str,
    alpha: float = 0.05,
) -> pl.DataFrame:
    """Effect per segment value: each variant against control within the segment."""
    kind = exp.kinds[metric]
    table = summary_table(exp, metric, by=[segment])
    rows = []
    for (value,), part in table.group_by([segment], maintain_order=True):
        st = {r[exp.variant]: _stat_from_row(r, kind, False) for r in part.iter_rows(named=True)}
        if control not in st or st[control].n < 2 or st[control].unadjusted_mean == 0:
            continue
        a = st[control]
        for k, b in st.items():
            if k == control or b.n < 2:
                continue
            absr = ab.frequentist_test(a, b, alpha)
            rel = ab.frequentist_test(a, b, alpha, relative=True)
            rows.append(
                dict(
                    segment=str(value),
                    variant=k,
                    control_units=int(a.n),
                    units=int(b.n),
                    control_value=a.unadjusted_mean,
                    value=b.unadjusted_mean,
                    absolute_lift=absr.lift,
                    relative_lift=rel.lift,
                    ci_low=rel.ci_low,
                    ci_high=rel.ci_high,
                    p_value=absr.p_value,
                    chance_to_win=ab.bayesian_test(a, b, alpha).chance_to_win,
                )
            )
    schema = {
        "segment": pl.Utf8,
        "variant": pl.Utf8,
        "control_units": pl.Int64,
        "units": pl.Int64,
        "control_value": pl.Float64,
        "value": pl.Float64,
        "absolute_lift": pl.Float64,
        "relative_lift": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
        "p_value": pl.Float64,
        "chance_to_win": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema).sort(["segment", "variant"])


def cumulative_lift(
    exp: Experiment, metric: str, control: str, alpha: float = 0.05
) -> pl.DataFrame | None:
    """Relative lift of each variant against control on the data up to each date (with CI)."""
    date = exp.date
    if exp.aggregated or not date:
        return None
    v = exp.variant
    daily = summary_table(exp, metric, by=[date]).drop_nulls(date)
    grid = (
        daily.select(date)
        .unique()
        .join(pl.DataFrame({v: list(exp.variants)}), how="cross")
        .join(daily, on=[date, v], how="left")
        .fill_null(0)
        .sort([v, date])
        .with_columns(pl.col("n", "sum", "sum_squares").cum_sum().over(v))
    )
    ctrl = grid.filter(pl.col(v) == control).select(
        date,
        pl.col("n").alias("c_n"),
        pl.col("sum").alias("c_sum"),
        pl.col("sum_squares").alias("c_ss"),
    )
    g = (
        grid.filter(pl.col(v) != control)
        .join(ctrl, on=date)
        .filter((pl.col("n") >= 2) & (pl.col("c_n") >= 2) & (pl.col("c_sum") != 0))
    )
    if g.height == 0:
        return None
    if exp.kinds[metric] == "proportion":
        a = ab.ProportionStatistic(g["c_n"].to_numpy(), g["c_sum"].to_numpy())
        b = ab.ProportionStatistic(g["n"].to_numpy(), g["sum"].to_numpy())
    else:
        a = ab.SampleMeanStatistic(g["c_n"].to_numpy(), g["c_sum"].to_numpy(), g["c_ss"].to_numpy())
        b = ab.SampleMeanStatistic(
            g["n"].to_numpy(), g["sum"].to_numpy(), g["sum_squares"].to_numpy()
        )
    res = ab.frequentist_test(a, b, alpha, relative=True)
    return (
        pl.DataFrame(
            {
                "date": g[date],
                "variant": g[v],
                "units": g["n"] + g["c_n"],
                "relative_lift": np.asarray(res.lift, dtype=float),
                "ci_low": np.asarray(res.ci_low, dtype=float),
                "ci_high": np.asarray(res.ci_high, dtype=float),
            }
        )
        .fill_nan(None)
        .sort(["variant", "date"])
    )


# ---------------------------------------------------------------- the analysis
@dataclass(frozen=True)
class CupedInfo:
    covariate: str
    theta: float
    variance_reduction: float  # pooled share of outcome variance removed
    variants: list[ab.VariantResult]  # results with the adjustment
    plain: list[ab.VariantResult] = field(default_factory=list)  # the same without it


@dataclass(frozen=True)
class Analysis:
    name: str
    metric: str
    kind: str
    control: str
    alpha: float
    correction: str
    used_cuped: bool
    stats: dict[str, ab.Statistic]
    variants: list[ab.VariantResult]
    srm: ab.SRMResult
    checks: list[HealthCheck]
    balance: pl.DataFrame
    cuped: CupedInfo | None
    segment: str | None
    segments: pl.DataFrame | None
    cumulative: pl.DataFrame | None
    verdicts: dict[str, ab.Verdict]
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def problems(self) -> list[str]:
        return [c.detail for c in self.checks if not c.ok and c.blocking]

    @property
    def healthy(self) -> bool:
        return not self.problems


def analyse(
    exp: Experiment,
    metric: str | None = None,
    control: str | None = None,
    alpha: float = 0.05,
    correction: ab.Correction = "holm",
    weights: Sequence[float] | None = None,
    use_cuped: bool = False,
    segment: str | None = None,
    power: float = 0.8,
) -> Analysis:
    """Health first, then every variant against control, CUPED, segments, time and verdicts."""
    metric = metric or exp.outcomes[0]
    _check_metric(exp, metric)
    if not 0 < alpha < 0.5:
        raise InputError(f"alpha must be between 0 and 0.5, got {alpha}")
    control = control if control is not None else default_control(exp.variants)
    if control not in exp.variants:
        raise InputError(
            f"there is no variant {control!r}; variants: {', '.join(exp.variants)}",
            file=exp.name,
            column=exp.variant,
        )
    kind = exp.kinds[metric]
    plain = variant_statistics(exp, metric)
    for k, s in plain.items():
        if s.n < 2:
            raise InputError(f"variant {k!r} has fewer than 2 units with a value of {metric!r}")
    if plain[control].unadjusted_mean == 0:
        raise InputError(
            f"the control {control!r} has a mean of 0 for {metric!r}: no relative lift possible",
            file=exp.name,
            column=metric,
        )
    balance = covariate_balance(exp, control)
    srm, checks = health_checks(exp, plain, control, weights, balance)
    cuped = None
    plain_results = ab.compare(plain, control, alpha, correction, power)
    if exp.pre_period and not exp.aggregated:
        adj = variant_statistics(exp, metric, cuped=True)
        any_stat = next(iter(adj.values()))
        pooled_var = sum(s.post.variance * s.n for s in adj.values())
        pooled_adj = sum(s.variance * s.n for s in adj.values())
        cuped = CupedInfo(
            covariate=exp.pre_period,
            theta=any_stat.theta,
            variance_reduction=float(1 - pooled_adj / pooled_var) if pooled_var > 0 else 0.0,
            variants=ab.compare(adj, control, alpha, correction, power),
            plain=plain_results,
        )
    use_cuped = use_cuped and cuped is not None
    results = cuped.variants if use_cuped else plain_results
    stats = variant_statistics(exp, metric, cuped=True) if use_cuped else plain
    segment = segment if segment in exp.segments else (exp.segments[0] if exp.segments else None)
    seg_table = segment_results(exp, metric, control, segment, alpha) if segment else None
    corrected = correction != "none" and len(results) > 1
    problems = [c.detail for c in checks if not c.ok and c.blocking]
    verdicts = {}
    for r in results:
        best = None
        if seg_table is not None and seg_table.height > 1:
            sig = seg_table.filter(
                (pl.col("variant") == r.variant)
                & (pl.col("p_value") < alpha)
                & (pl.col("relative_lift") > 0)
            ).sort("relative_lift", descending=True)
            if sig.height:
                best = (f"{sig['segment'][0]}", float(sig["relative_lift"][0]))
        verdicts[r.variant] = ab.verdict(r, control, kind, metric, alpha, problems, best, corrected)
    return Analysis(
        name=exp.name,
        metric=metric,
        kind=kind,
        control=control,
        alpha=alpha,
        correction=correction,
        used_cuped=use_cuped,
        stats=stats,
        variants=results,
        srm=srm,
        checks=checks,
        balance=balance,
        cuped=cuped,
        segment=segment,
        segments=seg_table,
        cumulative=cumulative_lift(exp, metric, control, alpha),
        verdicts=verdicts,
        warnings=exp.warnings,
    )


# ---------------------------------------------------------------- outputs
def results_table(analysis: Analysis) -> pl.DataFrame:
    """One row per variant (control first): units, value, lifts, CIs, p-values, Bayesian."""
    c = analysis.control
    cs = analysis.stats[c]
    rows = [
        dict(
            variant=c,
            role="control",
            units=int(cs.n),
            value=cs.unadjusted_mean,
            absolute_lift=None,
            absolute_ci_low=None,
            absolute_ci_high=None,
            relative_lift=None,
            relative_ci_low=None,
            relative_ci_high=None,
            p_value=None,
            p_adjusted=None,
            relative_p_value=None,
            fisher_p=None,
            chance_to_win=None,
            risk_control=None,
            risk_variant=None,
        )
    ]
    for r in analysis.variants:
        rows.append(
            dict(
                variant=r.variant,
                role="variant",
                units=int(r.units),
                value=r.value,
                absolute_lift=r.absolute.lift,
                absolute_ci_low=r.absolute.ci_low,
                absolute_ci_high=r.absolute.ci_high,
                relative_lift=r.relative.lift,
                relative_ci_low=r.relative.ci_low,
                relative_ci_high=r.relative.ci_high,
                p_value=r.absolute.p_value,
                p_adjusted=r.p_adjusted,
                relative_p_value=r.relative.p_value,
                fisher_p=r.fisher_p,
                chance_to_win=r.bayes.chance_to_win,
                risk_control=r.bayes.risk_control,
                risk_variant=r.bayes.risk_variant,
            )
        )
    schema = {"variant": pl.Utf8, "role": pl.Utf8, "units": pl.Int64}
    schema |= {k: pl.Float64 for k in rows[0] if k not in schema}
    return pl.DataFrame(rows, schema=schema)


def variant_intervals(analysis: Analysis) -> pl.DataFrame:
    """Each variant's own value with its CI (t interval on the variant mean), for the chart."""
    rows = []
    for k, s in analysis.stats.items():
        se = float(np.sqrt(s.variance / s.n))
        half = float(sps.t.ppf(1 - analysis.alpha / 2, s.n - 1)) * se
        m = s.unadjusted_mean
        rows.append(
            dict(
                variant=k,
                units=int(s.n),
                value=m,
                ci_low=m - half,
                ci_high=m + half,
                is_control=k == analysis.control,
            )
        )
    return pl.DataFrame(rows)


def lift_posterior(analysis: Analysis, points: int = 201) -> pl.DataFrame:
    """Density of the Gaussian posterior of the relative lift per variant (for the chart)."""
    frames = []
    for r in analysis.variants:
        mu, sd = r.bayes.mean, r.bayes.sd
        if not (np.isfinite(mu) and np.isfinite(sd) and sd > 0):
            continue
        x = np.linspace(mu - 4 * sd, mu + 4 * sd, points)
        frames.append(
            pl.DataFrame(
                {
                    "variant": [r.variant] * points,
                    "relative_lift": x,
                    "density": sps.norm.pdf(x, mu, sd),
                }
            )
        )
    if not frames:
        return pl.DataFrame(
            schema={"variant": pl.Utf8, "relative_lift": pl.Float64, "density": pl.Float64}
        )
    return pl.concat(frames)


# ---------------------------------------------------------------- what the page shows
# The columns of the result tables in words, and what they measure: a count, a value of the
# outcome (a rate or an average), a share (lifts, CIs of the relative lift, probabilities) or a p.
RESULT_COLUMNS: dict[str, tuple[str, str]] = {
    "variant": ("Variant", "text"),
    "role": ("Role", "text"),
    "segment": ("Segment", "text"),
    "units": ("Units", "count"),
    "control_units": ("Control units", "count"),
    "value": ("Value", "value"),
    "control_value": ("Control value", "value"),
    "absolute_lift": ("Absolute lift", "value"),
    "absolute_ci_low": ("Absolute CI low", "value"),
    "absolute_ci_high": ("Absolute CI high", "value"),
    "relative_lift": ("Relative lift", "share"),
    "relative_ci_low": ("Relative CI low", "share"),
    "relative_ci_high": ("Relative CI high", "share"),
    "ci_low": ("CI low", "share"),
    "ci_high": ("CI high", "share"),
    "p_value": ("p-value", "p"),
    "p_adjusted": ("p-value (adjusted)", "p"),
    "relative_p_value": ("p-value (relative)", "p"),
    "fisher_p": ("Fisher's exact p", "p"),
    "chance_to_win": ("Chance to win", "share"),
    "risk_control": ("Risk of keeping control", "share"),
    "risk_variant": ("Risk of shipping the variant", "share"),
    "relative_lift_cuped": ("Relative lift (CUPED)", "share"),
    "ci_low_cuped": ("CI low (CUPED)", "share"),
    "ci_high_cuped": ("CI high (CUPED)", "share"),
    "p_value_cuped": ("p-value (CUPED)", "p"),
    "relative_lift_plain": ("Relative lift (without CUPED)", "share"),
    "p_value_plain": ("p-value (without CUPED)", "p"),
    "mde_relative": ("Detectable change", "share"),
}


@dataclass(frozen=True)
class Figure:
    """A headline number for a KPI card: label, formatted value, optional delta and help."""

    label: str
    value: str
    delta: str | None = None
    help: str | None = None


def control_label(analysis: Analysis) -> str:
    """'control' stays as it is; any other control name gets ' (control)' after it."""
    c = analysis.control
    return c if c.strip().lower() == "control" else f"{c} (control)"


def headline_figures(analysis: Analysis, result: ab.VariantResult) -> list[Figure]:
    """Control value, variant value with its relative lift, p-value and chance to win."""
    corrected = analysis.correction != "none" and len(analysis.variants) > 1
    p = result.p_adjusted if corrected else result.absolute.p_value
    return [
        Figure(control_label(analysis), ab.fmt_value(result.control_value, analysis.kind)),
        Figure(
            result.variant,
            ab.fmt_value(result.value, analysis.kind),
            delta=f"{result.relative.lift:+.1%} relative",
        ),
        Figure(
            "p-value (adjusted)" if corrected else "p-value",
            ab.fmt_p(p),
            help="Two-sided Welch t-test on the absolute difference"
            + (f" ({CORRECTION_NAMES[analysis.correction]} correction)." if corrected else "."),
        ),
        Figure(
            "Chance to win",
            ab.fmt_prob(result.bayes.chance_to_win),
            help="Bayesian: probability the variant's true lift is above 0.",
        ),
    ]


CORRECTION_NAMES = {"holm": "Holm", "bh": "Benjamini-Hochberg", "none": "no"}


def small_count_notes(analysis: Analysis) -> list[str]:
    """One sentence per variant with small counts, giving Fisher's exact p."""
    return [
        f"Small counts in {r.variant}: Fisher's exact test gives p = {ab.fmt_p(r.fisher_p)} "
        "(more reliable here than the t-test)."
        for r in analysis.variants
        if r.small_counts and r.fisher_p is not None
    ]


def cuped_summary(analysis: Analysis) -> str | None:
    """How much variance the pre-period covariate removes, in a sentence (None without CUPED)."""
    cu = analysis.cuped
    if cu is None:
        return None
    return (
        f"Using **{cu.covariate}** (theta = {cu.theta:.4g}, from the pooled data) removes "
        f"**{cu.variance_reduction:.0%}** of the outcome's variance."
        + (
            " The result above is adjusted."
            if analysis.used_cuped
            else " Switch it on above to use it."
        )
    )


def cuped_table(analysis: Analysis) -> pl.DataFrame:
    """Per variant: relative lift, CI and p with CUPED next to the lift and p without it."""
    schema = {
        "variant": pl.Utf8,
        "relative_lift_cuped": pl.Float64,
        "ci_low_cuped": pl.Float64,
        "ci_high_cuped": pl.Float64,
        "p_value_cuped": pl.Float64,
        "relative_lift_plain": pl.Float64,
        "p_value_plain": pl.Float64,
    }
    cu = analysis.cuped
    if cu is None:
        return pl.DataFrame(schema=schema)
    plain = {r.variant: r for r in cu.plain}
    rows = [
        (
            r.variant,
            r.relative.lift,
            r.relative.ci_low,
            r.relative.ci_high,
            r.absolute.p_value,
            plain[r.variant].relative.lift if r.variant in plain else None,
            plain[r.variant].absolute.p_value if r.variant in plain else None,
        )
        for r in cu.variants
    ]
    return pl.DataFrame(rows, schema=schema, orient="row")


def segment_caution(analysis: Analysis) -> str | None:
    """The multiple-comparisons warning for the segment table (None without segments)."""
    if analysis.segments is None:
        return None
    n = analysis.segments.height
    return (
        f"{n} comparison{'' if n == 1 else 's'}: with many segments one will look significant by "
        f"chance (at {analysis.alpha:.0%} about 1 in {round(1 / analysis.alpha):,}). Treat "
        "segment effects as ideas to confirm, not results."
    )


def roles_summary(exp: Experiment) -> str:
    """The detected roles of an aggregated file in a sentence (markdown)."""
    outcome = exp.outcomes[0]
    return (
        f"Aggregated file: variant **{exp.variant}**, units **{exp.roles['units']}**, outcome "
        f"**{outcome}** ({exp.kinds[outcome]})."
    )


def baseline_rate(analysis: Analysis | None, default: float = 0.1) -> float:
    """The control's rate for the sample-size calculator (`default` without a rate outcome)."""
    if analysis is None or analysis.kind != "proportion":
        return default
    return float(analysis.stats[analysis.control].unadjusted_mean)


def mde_table(analysis: Analysis) -> pl.DataFrame:
    """Per variant: units and the relative change the experiment detects with 80% power."""
    return pl.DataFrame(
        [(r.variant, int(r.units), r.mde_relative) for r in analysis.variants],
        schema={"variant": pl.Utf8, "units": pl.Int64, "mde_relative": pl.Float64},
        orient="row",
    ).fill_nan(None)


def mde_lines(analysis: Analysis) -> list[str]:
    """'B: about 29% (1,000 units)' per variant, from mde_table."""
    return [
        f"{r['variant']}: about {r['mde_relative']:.0%} ({r['units']:,} units)"
        if r["mde_relative"] is not None
        else f"{r['variant']}: not computable ({r['units']:,} units)"
        for r in mde_table(analysis).iter_rows(named=True)
    ]


def _num(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if np.isfinite(x) else None


def to_dict(analysis: Analysis) -> dict:
    """The SPEC JSON of `python -m core abtest` (plus health, cuped, corrected p, verdict)."""

    def scale(t: ab.TestResult) -> dict:
        return {
            "lift": _num(t.lift),
            "se": _num(t.se),
            "ci": [_num(t.ci_low), _num(t.ci_high)],
            "p_value": _num(t.p_value),
        }

    out = {
        "type": analysis.kind,
        "metric": analysis.metric,
        "control": analysis.control,
        "alpha": analysis.alpha,
        "correction": analysis.correction,
        "cuped_applied": analysis.used_cuped,
        "srm": {"p_value": _num(analysis.srm.p_value), "ok": analysis.srm.ok},
        "health": [
            {"check": c.name, "ok": c.ok, "blocking": c.blocking, "detail": c.detail}
            for c in analysis.checks
        ],
        "variants": [
            {
                "variant": r.variant,
                "units": int(r.units),
                "value": _num(r.value),
                "control_value": _num(r.control_value),
                "absolute": scale(r.absolute),
                "relative": scale(r.relative),
                "p_value_adjusted": _num(r.p_adjusted),
                "fisher_p_value": _num(r.fisher_p),
                "chance_to_win": _num(r.bayes.chance_to_win),
                "risk": [_num(r.bayes.risk_control), _num(r.bayes.risk_variant)],
                "mde_relative": _num(r.mde_relative),
                "verdict": analysis.verdicts[r.variant].text,
                "outcome": analysis.verdicts[r.variant].outcome,
            }
            for r in analysis.variants
        ],
        "warnings": list(analysis.warnings),
    }
    if analysis.cuped is not None:
        out["cuped"] = {
            "covariate": analysis.cuped.covariate,
            "theta": _num(analysis.cuped.theta),
            "variance_reduction": _num(analysis.cuped.variance_reduction),
        }
    return out
