"""What the stakeholder report says: every figure gathered from the core functions the app's
pages call (metrics, sales, segments, churn, rules, experiments), never computed here.

The same inputs the app has (the loaded file, the sidebar filters, the settings, the rule set and
the experiment) give the same figures as the pages: the Overview's KPI cards (core.metrics.kpis on
the filtered orders), the Sales page's default period with its deltas (core.sales.compare_kpis on
the history with the dimension filters, new customers judged on the whole file), the revenue
bridge of that period against the one before (core.sales.explain_change), the RFM segments
(core.segments.segment_summary of the hub), the churn list (core.churn.churn_list), the insight
actions (core.rules.evaluate + summary_by_action) and the experiment verdicts (analyse).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import polars as pl

from core.filters import Filters, apply_filters
from core.model.errors import InputError
from core.model.settings import Settings
from core.schema import AT_RISK_DAYS, CHURN_DAYS

TOP_CUSTOMERS = 10
TOP_SEGMENTS = 5


@dataclass(frozen=True)
class Scope:
    """Which data the figures describe."""

    source: str
    first_date: date
    last_date: date
    as_of: date
    churn_days: int
    at_risk_days: int
    filters: list[str]  # one line per active filter, empty when none
    rows_used: int
    rows_set_aside: int
    set_aside_reasons: list[tuple[str, int]]  # (reason, rows), most frequent first
    partial_months: list[str]  # "YYYY-MM"
    notes: list[str]  # the loader's warnings


@dataclass(frozen=True)
class ExperimentSummary:
    name: str
    metric: str
    control: str
    verdicts: list[tuple[str, str, str]]  # (variant, outcome, text)
    error: str | None = None  # why there is no verdict


@dataclass(frozen=True)
class Report:
    """Everything the report shows; figures straight from core."""

    title: str
    generated: datetime
    scope: Scope
    kpis: dict[str, Any]  # core.metrics.kpis: the Overview's cards
    monthly: pl.DataFrame  # core.metrics.monthly
    period_name: str  # the Sales page's default period
    comparison: Any  # core.sales.KpiComparison of that period
    change: Any | None  # core.sales.ChangeExplanation: previous period -> this period
    segments: pl.DataFrame  # core.segments.segment_summary of the hub
    churn_list: pl.DataFrame  # core.churn.churn_list, most valuable first (all rows)
    insights_coverage: str | None
    actions: pl.DataFrame | None  # core.rules.summary_by_action
    insights: pl.DataFrame | None  # one row per customer with an action
    experiment: ExperimentSummary | None
    definitions: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)


def describe_filters(filters: Filters | None) -> list[str]:
    """The sidebar filters in words, one line each ("region: North, West")."""
    if filters is None:
        return []
    out = []
    if filters.start or filters.end:
        out.append(f"order date: {filters.start or 'first'} to {filters.end or 'last'}")
    out += [f"{k}: {', '.join(v)}" for k, v in sorted(filters.values.items()) if v]
    return out


def _set_aside(rejected: pl.DataFrame) -> list[tuple[str, int]]:
    if rejected.height == 0 or "reason" not in rejected.columns:
        return []
    counts = rejected.group_by("reason").len().sort(["len", "reason"], descending=[True, False])
    return [(str(r), int(n)) for r, n in counts.iter_rows()]


def definitions(churn_days: int, at_risk_days: int) -> list[tuple[str, list[tuple[str, str]]]]:
    """The glossary (core.glossary) with the thresholds in force."""
    from core.glossary import GLOSSARY

    fill = {"churn_days": churn_days, "at_risk_days": at_risk_days}
    return [
        (section, [(term, text.format(**fill)) for term, text in items])
        for section, items in GLOSSARY.items()
    ]


def _experiment(experiment: Any) -> ExperimentSummary | None:
    """Verdicts of an experiment table (as loaded in the app) or an analysed experiment."""
    if experiment is None:
        return None
    from core.experiments import Analysis, analyse, from_frame

    if isinstance(experiment, Analysis):
        res = experiment
    else:
        try:
            exp = from_frame(experiment) if isinstance(experiment, pl.DataFrame) else experiment
            res = analyse(exp)
        except InputError as exc:  # the report still says what it can
            return ExperimentSummary("experiment", "", "", [], error=str(exc))
    verdicts = [(v, res.verdicts[v].outcome, res.verdicts[v].text) for v in res.verdicts]
    return ExperimentSummary(res.name, res.metric, res.control, verdicts)


def build_report(
    loaded: Any,
    *,
    filters: Filters | None = None,
    customers: pl.DataFrame | None = None,
    as_of: date | None = None,
    churn_days: int = CHURN_DAYS,
    at_risk_days: int = AT_RISK_DAYS,
    rules: list | None = None,
    experiment: Any = None,
    source: str | None = None,
    title: str = "Customer Pulse report",
    hub: pl.DataFrame | None = None,
    settings: Settings | None = None,
) -> Report:
    """Gather the report's figures for a loaded orders file (core.ingest.Loaded).

    `filters` are the sidebar's; `rules` default to the default rule set (the Insights page's
    start); `experiment` is an experiment table, a loaded Experiment or an Analysis (or None);
    `hub` is the customer table of these orders and settings when the caller has it already.
    `settings`, when given, replaces as_of and the thresholds."""
    from core import churn, metrics, sales
    from core import rules as R
    from core.hub import customer_table
    from core.schema import resolve_as_of
    from core.segments import segment_summary

    if settings is not None:
        as_of, churn_days, at_risk_days = settings.as_of, settings.churn_days, settings.at_risk_days
    churn.check_thresholds(churn_days, at_risk_days)
    if not loaded.has_dates:
        raise InputError(
            "the report needs order dates and this file has none: map a date column "
            "(--map order_date=COLUMN, or the Data page's mapping)"
        )
    filters = filters or Filters()
    orders = apply_filters(loaded.orders, filters) if filters.active else loaded.orders
    if orders.height == 0:
        raise InputError("no orders match the filters: nothing to report")
    as_of = resolve_as_of(orders, as_of)
    settings = Settings(as_of, churn_days, at_risk_days)
    k, monthly = metrics.kpis_and_monthly(orders, settings, customers_file=customers)

    # the Sales page: its default period, deltas on the history with the dimension filters
    history = apply_filters(loaded.orders, Filters(values=filters.values))
    first_seen = sales.first_orders(loaded.orders)
    rng = sales.date_range(orders)
    presets = sales.period_presets(rng.start, rng.end)
    period_name = sales.default_preset(presets)
    period = presets[period_name]
    cmp = sales.compare_kpis(history, period, first_seen=first_seen)
    before = sales.baseline(period, "previous")
    change = (
        sales.explain_change(history, before, period, first_seen=first_seen)
        if sales.covers(history, before)
        else None
    )

    if hub is None:
        hub = customer_table(
            orders,
            as_of=as_of,
            churn_days=churn_days,
            at_risk_days=at_risk_days,
            customers=customers,
        )
    seg = segment_summary(hub)
    at_risk = churn.churn_list(hub, churn_days, at_risk_days)

    rule_set = R.default_rules() if rules is None else rules
    ev = R.evaluate(hub, rule_set) if rule_set else None
    insights = ev.insights if ev is not None else None

    scope = Scope(
        source=source or getattr(loaded, "source", "") or "orders",
        first_date=k["first_date"],
        last_date=k["last_date"],
        as_of=as_of,
        churn_days=churn_days,
        at_risk_days=at_risk_days,
        filters=describe_filters(filters),
        rows_used=k["rows"],
        rows_set_aside=loaded.rejected.height,
        set_aside_reasons=_set_aside(loaded.rejected),
        partial_months=monthly.filter(pl.col("partial"))["month"].to_list(),
        notes=list(loaded.warnings),
    )
    return Report(
        title=title,
        generated=datetime.now(UTC).replace(microsecond=0),
        scope=scope,
        kpis=k,
        monthly=monthly,
        period_name=period_name,
        comparison=cmp,
        change=change,
        segments=seg,
        churn_list=at_risk,
        insights_coverage=R.coverage_text(ev) if ev is not None else None,
        actions=R.summary_by_action(insights) if insights is not None else None,
        insights=insights,
        experiment=_experiment(experiment),
        definitions=definitions(churn_days, at_risk_days),
    )
