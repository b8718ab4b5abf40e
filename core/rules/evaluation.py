"""Rule evaluation: every rule matched against the customer table in one pass, priority
resolution (highest priority wins, ties to the rule listed first), per-rule statistics,
pairwise overlaps and the insights per customer; summaries and filters of those insights."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import polars as pl

from core.errors import InputError
from core.rules.compiler import compile_condition
from core.rules.lexer import RuleSyntaxError
from core.rules.model import Rule
from core.rules.reasons import reason_expr

KEY_METRICS = (
    "recency_days",
    "orders",
    "revenue",
    "aov",
    "status",
    "rfm_segment",
    "expected_clv_365d",
)
AT_RISK_STATUSES = ("at_risk", "churned")


@dataclass(frozen=True)
class CompiledRule:
    index: int
    rule: Rule
    match: pl.Expr | None  # None when disabled or broken
    reason: pl.Expr | None
    error: str | None


def compile_rules(
    rules: Sequence[Rule], schema: dict[str, pl.DataType] | pl.Schema, currency: str = ""
) -> list[CompiledRule]:
    """Compile every rule; a bad condition or reason only disables that rule (see `error`)."""
    out = []
    for i, rule in enumerate(rules):
        match = reason = error = None
        if rule.enabled:
            try:
                if not rule.condition.strip():
                    raise RuleSyntaxError("the condition is empty")
                match = compile_condition(rule.condition, schema)
                reason = reason_expr(rule.reason, schema, currency)
            except RuleSyntaxError as exc:
                match = reason = None
                error = str(exc)
        out.append(CompiledRule(i, rule, match, reason, error))
    return out


def _at_risk_revenue_col(table: pl.DataFrame | pl.LazyFrame) -> str:
    names = table.collect_schema().names() if isinstance(table, pl.LazyFrame) else table.columns
    return "revenue_365d" if "revenue_365d" in names else "revenue"


def _need(table: pl.DataFrame, cols: Iterable[str]) -> None:
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise InputError(f"the customer table has no column {missing[0]!r}")


def _winner_expr(compiled: Sequence[CompiledRule]) -> pl.Expr:
    active = [c for c in compiled if c.match is not None]
    order = sorted(active, key=lambda c: (-c.rule.priority, c.index))
    if not order:
        return pl.lit(None, dtype=pl.Int32)
    return pl.coalesce(
        [pl.when(pl.col(f"__m{c.index}")).then(pl.lit(c.index, dtype=pl.Int32)) for c in order]
    )


@dataclass(frozen=True)
class Evaluation:
    """Rule statistics, pairwise overlaps and (optionally) the insights per customer."""

    customers: int
    stats: pl.DataFrame  # rule, enabled, error, priority, action, confidence, matched, share,
    # revenue, revenue_share, revenue_at_risk, assigned, assigned_revenue, overlap
    overlaps: pl.DataFrame  # rule, other, customers (both matched)
    insights: pl.DataFrame | None  # customer_id, rule, reason, action, confidence, key metrics
    errors: dict[str, str] = field(default_factory=dict)


def evaluate(
    table: pl.DataFrame,
    rules: Sequence[Rule],
    *,
    with_insights: bool = True,
    currency: str = "",
    key_metrics: Sequence[str] = KEY_METRICS,
) -> Evaluation:
    """Match every rule against the customer table and give each customer its winning rule.

    matched: customers matching the rule; assigned: customers for whom it is the winning rule
    (highest priority, ties to the rule listed first); overlap: matched customers who also match
    at least one other active rule; revenue_at_risk: revenue (revenue_365d when present) of
    matched customers whose status is at_risk or churned.
    """
    _need(table, ("customer_id", "revenue"))
    compiled = compile_rules(rules, table.schema, currency)
    active = [c for c in compiled if c.match is not None]
    n = table.height
    risk_col = _at_risk_revenue_col(table)
    at_risk = (
        pl.col("status").cast(pl.Utf8).is_in(AT_RISK_STATUSES).fill_null(False)
        if "status" in table.columns
        else pl.lit(False)
    )
    flags = [c.match.alias(f"__m{c.index}") for c in active]
    lf = table.lazy().with_columns(*flags, __risk=at_risk)
    nmatch = (
        pl.sum_horizontal([pl.col(f"__m{c.index}").cast(pl.Int32) for c in active])
        if (active)
        else pl.lit(0)
    )
    lf = lf.with_columns(__win=_winner_expr(compiled), __n=nmatch)

    aggs: list[pl.Expr] = [pl.col("revenue").sum().alias("__total_revenue")]
    for c in active:
        m = pl.col(f"__m{c.index}")
        i = c.index
        aggs += [
            m.sum().alias(f"matched{i}"),
            pl.col("revenue").filter(m).sum().alias(f"revenue{i}"),
            pl.col(risk_col).filter(m & pl.col("__risk")).sum().alias(f"risk{i}"),
            (pl.col("__win") == i).sum().alias(f"assigned{i}"),
            pl.col("revenue").filter(pl.col("__win") == i).sum().alias(f"arev{i}"),
            (m & (pl.col("__n") > 1)).sum().alias(f"overlap{i}"),
        ]
        for d in active:
            if d.index > c.index:
                aggs.append((m & pl.col(f"__m{d.index}")).sum().alias(f"pair{i}_{d.index}"))
    if with_insights:
        frames = pl.collect_all([lf.select(aggs), lf.filter(pl.col("__win").is_not_null())])
        agg, matched = frames
    else:
        agg, matched = lf.select(aggs).collect(), None
    a = agg.row(0, named=True)
    total_rev = a["__total_revenue"] or 0.0

    rows = []
    for c in compiled:
        i, r = c.index, c.rule
        ok = c.match is not None
        matched_n = int(a[f"matched{i}"]) if ok else 0
        revenue = float(a[f"revenue{i}"] or 0.0) if ok else 0.0
        rows.append(
            {
                "rule": r.name,
                "enabled": r.enabled and c.error is None,
                "error": c.error,
                "priority": r.priority,
                "action": r.action,
                "confidence": r.confidence,
                "matched": matched_n,
                "share": matched_n / n if n else 0.0,
                "revenue": revenue,
                "revenue_share": revenue / total_rev if total_rev else 0.0,
                "revenue_at_risk": float(a[f"risk{i}"] or 0.0) if ok else 0.0,
                "assigned": int(a[f"assigned{i}"]) if ok else 0,
                "assigned_revenue": float(a[f"arev{i}"] or 0.0) if ok else 0.0,
                "overlap": int(a[f"overlap{i}"]) if ok else 0,
            }
        )
    stats = pl.DataFrame(
        rows,
        schema={
            "rule": pl.Utf8,
            "enabled": pl.Boolean,
            "error": pl.Utf8,
            "priority": pl.Int64,
            "action": pl.Utf8,
            "confidence": pl.Utf8,
            "matched": pl.Int64,
            "share": pl.Float64,
            "revenue": pl.Float64,
            "revenue_share": pl.Float64,
            "revenue_at_risk": pl.Float64,
            "assigned": pl.Int64,
            "assigned_revenue": pl.Float64,
            "overlap": pl.Int64,
        },
    )
    pairs = []
    for c in active:
        for d in active:
            if c.index == d.index:
                continue
            lo, hi = sorted((c.index, d.index))
            pairs.append(
                {"rule": c.rule.name, "other": d.rule.name, "customers": int(a[f"pair{lo}_{hi}"])}
            )
    overlaps = pl.DataFrame(
        pairs, schema={"rule": pl.Utf8, "other": pl.Utf8, "customers": pl.Int64}
    )
    insights = None
    if matched is not None:
        insights = _insights_frame(matched, active, key_metrics)
    errors = {c.rule.name: c.error for c in compiled if c.error}
    return Evaluation(n, stats, overlaps, insights, errors)


def _insights_frame(
    matched: pl.DataFrame, active: Sequence[CompiledRule], key_metrics: Sequence[str]
) -> pl.DataFrame:
    """One row per customer with a winning rule; each reason rendered only on its own rows."""
    metrics = [m for m in key_metrics if m in matched.columns and m != "customer_id"]
    lf = matched.lazy()
    parts = [
        lf.filter(pl.col("__win") == c.index).select(
            pl.col("customer_id"),
            pl.lit(c.rule.name, dtype=pl.Utf8).alias("rule"),
            c.reason.cast(pl.Utf8).alias("reason"),
            pl.lit(c.rule.action, dtype=pl.Utf8).alias("action"),
            pl.lit(c.rule.confidence, dtype=pl.Utf8).alias("confidence"),
            pl.lit(c.rule.priority, dtype=pl.Int64).alias("priority"),
            *metrics,
        )
        for c in active
    ]
    if not parts:
        empty = {
            "customer_id": pl.Utf8,
            "rule": pl.Utf8,
            "reason": pl.Utf8,
            "action": pl.Utf8,
            "confidence": pl.Utf8,
            "priority": pl.Int64,
        }
        return pl.DataFrame(schema=empty)
    by = ["priority", "revenue"] if "revenue" in metrics else ["priority"]
    return pl.concat(pl.collect_all(parts)).sort(by, descending=True, nulls_last=True)


def summary_by_action(insights: pl.DataFrame) -> pl.DataFrame:
    """Customers and revenue per action, biggest revenue first."""
    if insights.height == 0:
        return pl.DataFrame(
            schema={
                "action": pl.Utf8,
                "customers": pl.UInt32,
                "revenue": pl.Float64,
                "rules": pl.Utf8,
            }
        )
    rev = pl.col("revenue").sum() if "revenue" in insights.columns else pl.lit(0.0)
    return (
        insights.group_by("action")
        .agg(
            pl.len().alias("customers"),
            rev.alias("revenue"),
            pl.col("rule").unique().sort().str.join(", ").alias("rules"),
        )
        .sort(["revenue", "customers", "action"], descending=[True, True, False])
    )


def filter_insights(
    insights: pl.DataFrame,
    *,
    rules: Sequence[str] = (),
    actions: Sequence[str] = (),
    confidences: Sequence[str] = (),
    search: str = "",
) -> pl.DataFrame:
    """Insights narrowed to the chosen rules, actions and confidences (empty = all) and to
    customer ids containing `search` (case-insensitive, literal text)."""
    conds = [pl.lit(True)]
    for col, values in (("rule", rules), ("action", actions), ("confidence", confidences)):
        if values:
            conds.append(pl.col(col).is_in(list(values)))
    if search.strip():
        conds.append(
            pl.col("customer_id")
            .str.to_lowercase()
            .str.contains(search.strip().lower(), literal=True)
        )
    return insights.filter(pl.all_horizontal(conds))
