"""Sales performance: KPIs with period comparisons, trends, breakdowns, Pareto, root cause and
leakage. This package's public API.

Every figure is a pure function of the canonical orders frame (one row per order line, see
core.schema). Definitions follow SPEC "Metric definitions"; each module states the ones it adds.

Modules, one idea each:
    periods      the data's date range, presets, previous period and last year
    kpis         the headline figures of a period and their comparison
    trends       figures per day / week / month / quarter, growth, seasonality
    breakdowns   dimensions, value labels, figures per value, top products
    pareto       revenue concentration and the concentration flag
    bridge       the revenue bridge and contributions: why revenue changed
    returns      revenue by shipping status and returns per value
"""

from core.sales.breakdowns import (
    MAX_ATTRIBUTE_VALUES,
    MISSING,
    breakdown,
    breakdown_figures,
    breakdowns,
    describe_underperformers,
    dimension_columns,
    filter_values,
    label_dimension,
    period_breakdown,
    top_products,
    underperformers,
)
from core.sales.bridge import (
    EFFECT_LABELS,
    EFFECTS,
    ROOT_CAUSE_DIMENSIONS,
    Bridge,
    ChangeExplanation,
    change_contributions,
    describe_contributions,
    explain_change,
    headline,
    revenue_bridge,
    root_cause_dimensions,
    top_contributions,
)
from core.sales.kpis import (
    KPI_LABELS,
    KpiComparison,
    Kpis,
    compare_kpis,
    kpis,
    last_month_change,
)
from core.sales.pareto import (
    Pareto,
    entity_noun,
    pareto,
)
from core.sales.periods import (
    Period,
    baseline,
    covers,
    date_range,
    default_preset,
    first_orders,
    has_column,
    in_period,
    period_presets,
)
from core.sales.returns import (
    SHIPPING_STATUS_LABELS,
    Leakage,
    label_statuses,
    leakage,
    returns_by,
    status_breakdown,
)
from core.sales.trends import (
    GRAINS,
    growth_rows,
    seasonality,
    seasonality_of,
    trend,
    trend_figures,
)

__all__ = [
    "EFFECTS",
    "EFFECT_LABELS",
    "GRAINS",
    "KPI_LABELS",
    "MAX_ATTRIBUTE_VALUES",
    "MISSING",
    "ROOT_CAUSE_DIMENSIONS",
    "SHIPPING_STATUS_LABELS",
    "Bridge",
    "ChangeExplanation",
    "KpiComparison",
    "Kpis",
    "Leakage",
    "Pareto",
    "Period",
    "baseline",
    "breakdown",
    "breakdown_figures",
    "breakdowns",
    "change_contributions",
    "compare_kpis",
    "covers",
    "date_range",
    "default_preset",
    "describe_contributions",
    "describe_underperformers",
    "dimension_columns",
    "entity_noun",
    "explain_change",
    "filter_values",
    "first_orders",
    "growth_rows",
    "has_column",
    "headline",
    "in_period",
    "kpis",
    "label_dimension",
    "label_statuses",
    "last_month_change",
    "leakage",
    "pareto",
    "period_breakdown",
    "period_presets",
    "returns_by",
    "revenue_bridge",
    "root_cause_dimensions",
    "seasonality",
    "seasonality_of",
    "status_breakdown",
    "top_contributions",
    "top_products",
    "trend",
    "trend_figures",
    "underperformers",
]
