"""Group comparison ("subscription ROI"): a metric and the repeat rate compared between the two
groups of a two-valued attribute with Welch's t-test, and the sentence that reports it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import polars as pl

from core.errors import InputError
from core.segments.attributes import attribute_columns
from core.segments.common import require as _require

_YES = {"yes", "y", "true", "1", "t", "subscribed", "member", "premium", "active", "on"}


@dataclass(frozen=True)
class GroupComparison:
    """Welch comparison of `metric` (and of the repeat rate) between the two groups of an
    attribute: diff = mean(group_b) - mean(group_a), CI with Welch-Satterthwaite df."""

    attribute: str
    metric: str
    group_a: str
    group_b: str
    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    diff: float
    ci_low: float
    ci_high: float
    t_stat: float
    df: float
    p_value: float
    repeat_rate_a: float
    repeat_rate_b: float
    repeat_diff: float
    repeat_ci_low: float
    repeat_ci_high: float
    repeat_p_value: float
    confidence: float = 0.95

    @property
    def significant(self) -> bool:
        return bool(self.p_value < 1 - self.confidence)

    @property
    def sentence(self) -> str:
        return describe_comparison(self)

    def to_frame(self) -> pl.DataFrame:
        """One row per measure (metric and repeat rate) for display and download."""
        c = self
        return pl.DataFrame(
            {
                "measure": [f"average {c.metric}", "repeat rate"],
                f"{c.attribute} = {c.group_a}": [c.mean_a, c.repeat_rate_a],
                f"{c.attribute} = {c.group_b}": [c.mean_b, c.repeat_rate_b],
                "difference": [c.diff, c.repeat_diff],
                "ci_low": [c.ci_low, c.repeat_ci_low],
                "ci_high": [c.ci_high, c.repeat_ci_high],
                "p_value": [c.p_value, c.repeat_p_value],
                "customers_a": [c.n_a, c.n_a],
                "customers_b": [c.n_b, c.n_b],
            }
        )

    def as_dict(self) -> dict:
        return asdict(self) | {"sentence": self.sentence}


def _welch(b: np.ndarray, a: np.ndarray, confidence: float) -> tuple[float, ...]:
    """t, df, p, CI low, CI high for mean(b) - mean(a); NaN when there is no variation."""
    if np.var(a) == 0 and np.var(b) == 0:
        d = float(np.mean(b) - np.mean(a))
        return math.nan, math.nan, math.nan, d, d
    from scipy import stats  # scipy.stats takes ~0.5 s to import: only when compared

    res = stats.ttest_ind(b, a, equal_var=False)
    ci = res.confidence_interval(confidence_level=confidence)
    return float(res.statistic), float(res.df), float(res.pvalue), float(ci.low), float(ci.high)


def two_groups(table: pl.DataFrame, attribute: str) -> list[str]:
    """The two values of a two-valued attribute as text, the "yes"-like value second."""
    _require(table, attribute)
    values = sorted(table[attribute].drop_nulls().cast(pl.Utf8).unique().to_list())
    if len(values) != 2:
        shown = ", ".join(values[:6]) + (" ..." if len(values) > 6 else "")
        raise InputError(
            f"{attribute!r} has {len(values)} distinct values ({shown}); the comparison needs "
            "an attribute with exactly two",
            column=attribute,
        )
    if values[0].strip().lower() in _YES and values[1].strip().lower() not in _YES:
        values.reverse()
    return values


def two_valued_attributes(table: pl.DataFrame) -> list[str]:
    """Attribute columns with exactly two distinct non-null values (subscription, gender ...)."""
    return [c for c in attribute_columns(table) if table[c].drop_nulls().n_unique() == 2]


def metric_columns(table: pl.DataFrame) -> list[str]:
    """Numeric per-customer metrics that can be compared between groups."""
    wanted = (
        "revenue",
        "aov",
        "orders",
        "revenue_365d",
        "profit",
        "tenure_days",
        "avg_days_between_orders",
        "return_rate",
        "expected_clv_365d",
    )
    return [c for c in wanted if c in table.columns and table.schema[c].is_numeric()]


def compare_groups(
    table: pl.DataFrame,
    attribute: str,
    metric: str = "revenue",
    *,
    group_b: str | None = None,
    confidence: float = 0.95,
) -> GroupComparison:
    """Compare the average `metric` per customer and the repeat rate (share with 2+ orders)
    between the two groups of `attribute` with Welch's t-test (scipy.stats.ttest_ind,
    equal_var=False); the repeat rate is tested the same way on the 0/1 repeat indicator (for
    large groups the same as a two-proportion z-test). group_b is the group compared against the
    other (default: the "yes"/"true" value, else the second in alphabetical order)."""
    _require(table, metric, "orders")
    if not table.schema[metric].is_numeric():
        raise InputError(f"{metric!r} is not a numeric column", column=metric)
    if not 0 < confidence < 1:
        raise InputError(f"confidence must be between 0 and 1, got {confidence}")
    a_name, b_name = two_groups(table, attribute)
    if group_b is not None:
        if str(group_b) not in (a_name, b_name):
            raise InputError(
                f"{group_b!r} is not a value of {attribute!r} ({a_name}, {b_name})",
                column=attribute,
            )
        if str(group_b) == a_name:
            a_name, b_name = b_name, a_name
    key = pl.col(attribute).cast(pl.Utf8)
    sub = table.filter(pl.col(metric).is_not_null() & pl.col("orders").is_not_null())
    frames = {g: sub.filter(key == g) for g in (a_name, b_name)}
    for g, f in frames.items():
        if f.height < 2:
            raise InputError(
                f"{attribute} = {g} has {f.height} customer(s) with a {metric}; each group "
                "needs at least 2",
                column=attribute,
            )
    a = frames[a_name][metric].cast(pl.Float64).to_numpy()
    b = frames[b_name][metric].cast(pl.Float64).to_numpy()
    ra = (frames[a_name]["orders"] >= 2).cast(pl.Float64).to_numpy()
    rb = (frames[b_name]["orders"] >= 2).cast(pl.Float64).to_numpy()
    t, df, p, lo, hi = _welch(b, a, confidence)
    _, _, rp, rlo, rhi = _welch(rb, ra, confidence)
    return GroupComparison(
        attribute=attribute,
        metric=metric,
        group_a=a_name,
        group_b=b_name,
        n_a=int(a.size),
        n_b=int(b.size),
        mean_a=float(a.mean()),
        mean_b=float(b.mean()),
        diff=float(b.mean() - a.mean()),
        ci_low=lo,
        ci_high=hi,
        t_stat=t,
        df=df,
        p_value=p,
        repeat_rate_a=float(ra.mean()),
        repeat_rate_b=float(rb.mean()),
        repeat_diff=float(rb.mean() - ra.mean()),
        repeat_ci_low=rlo,
        repeat_ci_high=rhi,
        repeat_p_value=rp,
        confidence=confidence,
    )


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def describe_comparison(c: GroupComparison) -> str:
    """The comparison in plain words."""
    level = f"{c.confidence:.0%}"
    alpha = 1 - c.confidence
    more = "more" if c.diff >= 0 else "less"
    head = (
        f"Customers with {c.attribute} = {c.group_b} have an average {c.metric} of "
        f"{c.mean_b:,.2f} against {c.mean_a:,.2f} for {c.attribute} = {c.group_a}: "
        f"{abs(c.diff):,.2f} {more} per customer"
    )
    if math.isnan(c.p_value):
        first = head + " (no variation within the groups, so no test)."
    else:
        verdict = (
            "a real difference, not chance"
            if c.p_value < alpha
            else "this could be chance: the data cannot tell the groups apart"
        )
        first = (
            f"{head} ({level} CI {c.ci_low:,.2f} to {c.ci_high:,.2f}; Welch t-test {_p(c.p_value)}"
            f"), {verdict}."
        )
    pts = 100 * c.repeat_diff
    second = (
        f" Their repeat rate is {c.repeat_rate_b:.1%} against {c.repeat_rate_a:.1%} "
        f"({pts:+.1f} points"
    )
    if math.isnan(c.repeat_p_value):
        second += ")."
    else:
        second += (
            f", {level} CI {100 * c.repeat_ci_low:+.1f} to {100 * c.repeat_ci_high:+.1f} points, "
            f"{_p(c.repeat_p_value)})."
        )
    return first + second + " This shows an association, not that one causes the other."
