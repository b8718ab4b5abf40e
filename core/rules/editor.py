"""What the rules page shows and edits: the column vocabulary, sample matches, the live
preview after a change, the editable rules table and its change record, per-rule statistics in
the page's shapes, coverage and status labels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from core.model.status import with_status_labels
from core.rules.compiler import compile_condition
from core.rules.evaluation import KEY_METRICS, Evaluation, evaluate
from core.rules.kinds import column_kind
from core.rules.lexer import RuleSyntaxError
from core.rules.model import RULE_FIELDS, Rule, rules_frame, validate_rules
from core.rules.reasons import reason_expr
from core.rules.tuning import plain_number, sensitivity, thresholds

NEW_RULE: dict[str, Any] = {
    "enabled": True,
    "condition": "",
    "reason": "",
    "action": "Review",
    "confidence": "Medium",
    "priority": 50,
}
STAT_COLUMNS = (
    "rule",
    "priority",
    "enabled",
    "matched",
    "share",
    "revenue",
    "revenue_at_risk",
    "assigned",
    "assigned_revenue",
    "overlap",
    "action",
    "confidence",
    "error",
)


def vocabulary(table: pl.DataFrame, examples: int = 6) -> pl.DataFrame:
    """The columns a condition can use: name, kind and the range or example values."""
    rows = []
    for name, dtype in table.schema.items():
        kind = column_kind(name, dtype)
        if dtype == pl.Boolean:
            kind, values = "true/false", "true, false"
        elif dtype.is_numeric():
            lo, hi = table.select(
                pl.col(name).min().alias("lo"), pl.col(name).max().alias("hi")
            ).row(0)
            values = (
                ""
                if lo is None
                else f"{plain_number(round(float(lo), 2))} .. {plain_number(round(float(hi), 2))}"
            )
        elif kind == "date":
            lo, hi = table.select(
                pl.col(name).min().alias("lo"), pl.col(name).max().alias("hi")
            ).row(0)
            values = f"{lo} .. {hi}"
        else:
            top = table[name].cast(pl.Utf8).drop_nulls().value_counts(sort=True).head(examples)
            n = table[name].n_unique()
            values = ", ".join(f'"{v}"' for v in top[name].to_list())
            values += f" (+{n - examples} more)" if n > examples else ""
        rows.append({"column": name, "kind": kind, "values": values})
    return pl.DataFrame(rows, schema={"column": pl.Utf8, "kind": pl.Utf8, "values": pl.Utf8})


def sample_matches(
    table: pl.DataFrame,
    rule: Rule,
    n: int = 10,
    currency: str = "",
    columns: Sequence[str] = KEY_METRICS,
) -> pl.DataFrame:
    """Up to `n` customers matching `rule` (most revenue first) with the rendered reason."""
    match = compile_condition(rule.condition, table.schema)
    reason = reason_expr(rule.reason, table.schema, currency)
    cols = [c for c in columns if c in table.columns and c != "customer_id"]
    return (
        table.lazy()
        .filter(match)
        .sort("revenue", descending=True, nulls_last=True)
        .head(n)
        .select(pl.col("customer_id"), reason.alias("reason"), *cols)
        .collect()
    )


@dataclass(frozen=True)
class Preview:
    """Everything the live editor shows after one change."""

    evaluation: Evaluation
    sample: pl.DataFrame | None
    curve: pl.DataFrame | None
    error: str | None


def preview(
    table: pl.DataFrame,
    rules: Sequence[Rule],
    selected: int | None = None,
    threshold: int | None = None,
    *,
    sample_size: int = 10,
    points: int = 25,
    currency: str = "",
) -> Preview:
    """Rule statistics and overlaps for all rules, plus a sample and a sensitivity curve for the
    selected rule (when its condition compiles)."""
    ev = evaluate(table, rules, with_insights=False, currency=currency)
    sample = curve = error = None
    if selected is not None and 0 <= selected < len(rules):
        rule = rules[selected]
        try:
            sample = sample_matches(table, rule, sample_size, currency)
            if threshold is not None and threshold < len(thresholds(rule.condition)):
                curve = sensitivity(table, rule, threshold, points=points)
        except RuleSyntaxError as exc:
            error = str(exc)
    return Preview(ev, sample, curve, error)


def rules_table(rules: Sequence[Rule], stats: pl.DataFrame) -> pl.DataFrame:
    """The editor's table: the rules plus customers matched and a check ("ok", "switched off"
    or the condition's error), read from `stats` (same order as `rules`)."""
    check = (
        pl.when(pl.col("error").is_not_null())
        .then(pl.col("error"))
        .when(~pl.col("enabled"))
        .then(pl.lit("switched off"))
        .otherwise(pl.lit("ok"))
    )
    return rules_frame(rules).with_columns(stats.select(pl.col("matched"), check.alias("check")))


def apply_table_edits(
    rules: Sequence[Rule], delta: dict[str, Any], source: str = "rules table"
) -> list[Rule]:
    """The rules after a table edit: {"edited_rows": {row: {column: value}}, "deleted_rows":
    [row, ...], "added_rows": [{column: value}, ...]} (st.data_editor's change record).
    New rows get the defaults of NEW_RULE and the name "New rule N". Raises InputError."""
    rows = [r.to_dict() for r in rules]
    for idx, changes in delta.get("edited_rows", {}).items():
        rows[int(idx)].update({k: v for k, v in changes.items() if k in RULE_FIELDS})
    for idx in sorted(delta.get("deleted_rows", []), reverse=True):
        del rows[idx]
    for added in delta.get("added_rows", []):
        row = {"name": f"New rule {len(rows) + 1}", **NEW_RULE}
        row.update({k: v for k, v in added.items() if k in RULE_FIELDS and v not in (None, "")})
        rows.append(row)
    return validate_rules(rows, source=source)


def replace_rule(
    rules: Sequence[Rule], index: int, fields: dict[str, Any], source: str = "rule form"
) -> list[Rule]:
    """The rules with rule `index` replaced by `fields` (validated with the whole set)."""
    rows = [r.to_dict() for r in rules]
    rows[index] = {k: fields.get(k) for k in RULE_FIELDS}
    return validate_rules(rows, source=source)


def rules_by_priority(stats: pl.DataFrame) -> list[str]:
    """Names of the working rules, highest priority first (ties in listed order)."""
    return (
        stats.filter(pl.col("enabled"))
        .sort("priority", descending=True, maintain_order=True)["rule"]
        .to_list()
    )


def rule_measures(stats: pl.DataFrame) -> pl.DataFrame:
    """Working rules in long form for the matched-vs-wins chart: rule, revenue, share,
    priority, measure ("matched" / "assigned (wins)"), customers."""
    return (
        stats.filter(pl.col("enabled"))
        .unpivot(
            on=["matched", "assigned"],
            index=["rule", "revenue", "share", "priority"],
            variable_name="measure",
            value_name="customers",
        )
        .with_columns(pl.col("measure").replace({"assigned": "assigned (wins)"}))
    )


def rule_stats_table(stats: pl.DataFrame) -> pl.DataFrame:
    """The per-rule statistics as the page lists and exports them."""
    return stats.select(STAT_COLUMNS)


def coverage_text(evaluation: Evaluation) -> str:
    """ "5,579 of 8,000 customers get an action (69.7%)."""
    n = evaluation.insights.height if evaluation.insights is not None else 0
    total = evaluation.customers
    share = n / total if total else 0.0
    return f"{n:,} of {total:,} customers get an action ({share:.1%})."


def insight_choices(insights: pl.DataFrame) -> tuple[list[str], list[str]]:
    """The rules and the actions present in the insights, sorted (for filter pickers)."""
    return (
        insights["rule"].unique().sort().to_list(),
        insights["action"].unique().sort().to_list(),
    )


def label_statuses(frame: pl.DataFrame) -> pl.DataFrame:
    """`status` codes shown as Active / At risk / Churned (other values kept as they are)."""
    return with_status_labels(frame)
