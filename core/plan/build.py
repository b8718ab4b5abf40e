"""The action plan put together: the rules assign customers to actions (highest priority wins),
each customer's value at stake and chance of buying again (value.py), each action's uplift and
costs (uplift.py, returns.py), a holdout per action (holdout.py); actions ranked by net gain.
Also the alternative assignment "best action per customer by expected net gain" and how it
differs from the priority one, the JSON of the `plan` command and the per-customer export.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from core.model.errors import InputError
from core.plan.holdout import DEFAULT_HOLDOUT, holdout_flags, holdout_key
from core.plan.returns import Costs, action_table, customer_gains, parameters
from core.plan.uplift import Uplift
from core.plan.value import CustomerValue
from core.rules import Rule, compile_rules, evaluate, reason_expr

NO_ACTION = "(no action)"
PRIORITY, BEST = "priority", "best"
_VALUES = pl.col("p_buy", "value_at_stake", "spend_per_order")
EXPORT_COLUMNS = (
    "customer_id",
    "action",
    "rule",
    "holdout",
    "value_at_stake",
    "expected_incremental_revenue",
    "expected_net_gain",
    "uplift_source",
    "reason",
)


@dataclass(frozen=True)
class Plan:
    """actions: one row per rule (returns.action_table), ranked by net gain. customers: one row
    per assigned customer with reason, holdout flag and the per-customer figures."""

    as_of: date
    horizon_days: int
    value_source: str
    value_note: str
    holdout_share: float
    holdout_key: str
    actions: pl.DataFrame
    customers: pl.DataFrame
    params: pl.DataFrame
    errors: dict[str, str] = field(default_factory=dict)


def resolve_rule(rules: Sequence[Rule], text: str) -> str:
    """The rule an ACTION names on the command line: its rule name or its action text (exact,
    then case-insensitive, then a unique case-insensitive part of either)."""
    want = text.strip()
    for same in (lambda a, b: a == b, lambda a, b: a.lower() == b.lower()):
        for r in rules:
            if same(r.name, want) or same(r.action, want):
                return r.name
    hits = [r.name for r in rules if want.lower() in (r.name + "\n" + r.action).lower()]
    if len(hits) == 1:
        return hits[0]
    names = ", ".join(repr(r.name) for r in rules)
    if hits:
        raise InputError(f"{text!r} names more than one rule ({', '.join(hits)}); rules: {names}")
    raise InputError(f"no rule or action is called {text!r}; rules: {names}")


def _active(rules: Sequence[Rule]) -> list[tuple[str, str]]:
    return [(r.name, r.action) for r in rules if r.enabled]


def build_plan(
    table: pl.DataFrame,
    rules: Sequence[Rule],
    value: CustomerValue,
    *,
    as_of: date,
    uplifts: Mapping[str, Uplift] | None = None,
    costs: Mapping[str, Costs] | None = None,
    default_uplift: Uplift | None = None,
    holdout: float = DEFAULT_HOLDOUT,
    by: str = PRIORITY,
) -> Plan:
    """The plan: each customer gets the matching rule with the highest priority (as on the
    Insight rules page), or with `by="best"` the matching rule with the highest expected net
    gain; then the figures of returns.customer_gains; a hashed holdout per plan."""
    if by not in (PRIORITY, BEST):
        raise InputError(f"a plan assigns actions by {PRIORITY!r} or {BEST!r}, got {by!r}")
    ev = evaluate(table, rules)
    params = parameters(_active(rules), uplifts, costs, default_uplift)
    params = params.filter(~pl.col("rule").is_in(list(ev.errors)))
    chosen = ev.insights.select("customer_id", "rule", "action", "reason")
    if by == BEST:
        chosen = _with_reasons(table, rules, best_actions(table, rules, params, value))
    assigned = chosen.join(value.frame, on="customer_id", how="left")
    assigned = assigned.with_columns(_VALUES.fill_null(0.0))
    key = holdout_key(as_of)
    gains = customer_gains(assigned, params).with_columns(
        holdout_flags(assigned["customer_id"], holdout, key)
    )
    return Plan(
        as_of=as_of,
        horizon_days=value.horizon_days,
        value_source=value.source,
        value_note=value.note,
        holdout_share=holdout,
        holdout_key=key,
        actions=action_table(gains, params),
        customers=gains,
        params=params,
        errors=dict(ev.errors),
    )


def best_actions(
    table: pl.DataFrame, rules: Sequence[Rule], params: pl.DataFrame, value: CustomerValue
) -> pl.DataFrame:
    """Per customer matched by any active rule: the action with the highest expected net gain
    under `params` (Plan.params; ties to the higher priority). Columns: customer_id, best_rule,
    best_action, best_net_gain."""
    compiled = [
        c
        for c in compile_rules(rules, table.schema)
        if c.match is not None and c.rule.name in set(params["rule"])
    ]
    empty = {
        "customer_id": pl.Utf8,
        "best_rule": pl.Utf8,
        "best_action": pl.Utf8,
        "best_net_gain": pl.Float64,
    }
    if not compiled:
        return pl.DataFrame(schema=empty)
    long = pl.concat(
        pl.collect_all(
            [
                table.lazy()
                .filter(c.match.fill_null(False))
                .select(
                    pl.col("customer_id").cast(pl.Utf8),
                    pl.lit(c.rule.name).alias("rule"),
                    pl.lit(c.rule.priority, dtype=pl.Int64).alias("priority"),
                )
                for c in compiled
            ]
        )
    ).join(value.frame, on="customer_id", how="left")
    long = long.with_columns(_VALUES.fill_null(0.0))
    gains = customer_gains(long, params)
    return (
        gains.sort(["net_gain", "priority"], descending=True)
        .group_by("customer_id", maintain_order=True)
        .first()
        .join(params.select("rule", "action"), on="rule", how="left")
        .select(
            "customer_id",
            pl.col("rule").alias("best_rule"),
            pl.col("action").alias("best_action"),
            pl.col("net_gain").alias("best_net_gain"),
        )
    )


def _with_reasons(table: pl.DataFrame, rules: Sequence[Rule], best: pl.DataFrame) -> pl.DataFrame:
    """customer_id, rule, action, reason for the best assignment (reasons rendered per rule)."""
    parts = []
    for r in rules:
        ids = best.filter(pl.col("best_rule") == r.name).select("customer_id")
        if ids.height == 0:
            continue
        rows = table.with_columns(pl.col("customer_id").cast(pl.Utf8)).join(
            ids, on="customer_id", how="semi"
        )
        parts.append(
            rows.select(
                "customer_id",
                pl.lit(r.name).alias("rule"),
                pl.lit(r.action).alias("action"),
                reason_expr(r.reason, rows.schema).cast(pl.Utf8).alias("reason"),
            )
        )
    empty = {c: pl.Utf8 for c in ("customer_id", "rule", "action", "reason")}
    return pl.concat(parts) if parts else pl.DataFrame(schema=empty)


def compare_assignments(plan: Plan, best: pl.DataFrame) -> tuple[dict, pl.DataFrame]:
    """How "best action by expected net gain" differs from "by priority": a summary (customers,
    customers who change action, total expected net gain under each) and the moves (from rule,
    to rule, customers, net gain by priority, by best) with the biggest changes first."""
    both = plan.customers.select("customer_id", "rule", "net_gain").join(
        best, on="customer_id", how="left"
    )
    moved = both.filter(pl.col("rule") != pl.col("best_rule"))
    summary = {
        "customers": both.height,
        "changed": moved.height,
        "net_gain_by_priority": float(both["net_gain"].sum()),
        "net_gain_by_best": float(both["best_net_gain"].sum()),
    }
    moves = (
        moved.group_by("rule", "best_rule")
        .agg(
            pl.len().alias("customers"),
            pl.col("net_gain").sum().alias("net_gain_by_priority"),
            pl.col("best_net_gain").sum().alias("net_gain_by_best"),
        )
        .with_columns(gain=pl.col("net_gain_by_best") - pl.col("net_gain_by_priority"))
        .sort(["gain", "rule", "best_rule"], descending=[True, False, False])
        .rename({"rule": "from_rule", "best_rule": "to_rule"})
    )
    return summary, moves


def _num(x) -> float | None:
    return None if x is None else float(x)


def to_json(plan: Plan) -> dict:
    """The `plan` command's JSON (SPEC): as_of, horizon_days, actions (ranked by net gain)."""
    actions = []
    for r in plan.actions.iter_rows(named=True):
        actions.append(
            {
                "action": r["action"],
                "rule": r["rule"],
                "customers": r["customers"],
                "value_at_stake": r["value_at_stake"],
                "baseline_return_rate": _num(r["baseline_return_rate"]),
                "uplift": {
                    "relative": r["uplift"],
                    "low": r["uplift_low"],
                    "high": r["uplift_high"],
                    "source": r["uplift_source"],
                },
                "expected_incremental_revenue": r["expected_incremental_revenue"],
                "expected_incremental_revenue_low": r["expected_incremental_revenue_low"],
                "expected_incremental_revenue_high": r["expected_incremental_revenue_high"],
                "cost": r["cost"],
                "net_gain": r["net_gain"],
                "net_gain_low": r["net_gain_low"],
                "net_gain_high": r["net_gain_high"],
                "roi": _num(r["roi"]),
                "roi_low": _num(r["roi_low"]),
                "roi_high": _num(r["roi_high"]),
                "holdout_customers": int(
                    plan.customers.filter((pl.col("rule") == r["rule"]) & pl.col("holdout")).height
                ),
            }
        )
    return {
        "as_of": plan.as_of.isoformat(),
        "horizon_days": plan.horizon_days,
        "value_source": plan.value_source,
        "holdout": plan.holdout_share,
        "actions": actions,
    }


def export_rows(plan: Plan, rule: str | None = None) -> pl.DataFrame:
    """One row per customer for a CRM (EXPORT_COLUMNS): the action, whether the customer is held
    out (do not contact them), value at stake, expected incremental revenue and net gain if
    contacted, where the uplift behind them comes from (experiment / assumption), the reason.
    `rule`: only that rule's customers (one action's export)."""
    rows = plan.customers if rule is None else plan.customers.filter(pl.col("rule") == rule)
    return rows.select(
        "customer_id",
        "action",
        "rule",
        "holdout",
        "value_at_stake",
        pl.col("incremental").alias("expected_incremental_revenue"),
        pl.col("net_gain").alias("expected_net_gain"),
        "uplift_source",
        "reason",
    ).sort(["rule", "expected_net_gain"], descending=[False, True])
