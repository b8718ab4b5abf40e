"""Headline metrics: the KPI registry and what reads it.

  registry  one entry per KPI (name, label, kind, glossary text, how it is computed); the
            Overview cards, `report --json` and the glossary read it
  compute   kpis() (every registry KPI on the orders up to as_of), monthly(), report()

Adding a KPI is one entry in registry.KPIS plus its test (docs/ARCHITECTURE.md has an example).
"""

from core.metrics.compute import kpis, kpis_and_monthly, monthly, overview_figures, report
from core.metrics.registry import BY_NAME, KPIS, Kpi, cards, glossary_entries

__all__ = [
    "BY_NAME",
    "KPIS",
    "Kpi",
    "cards",
    "glossary_entries",
    "kpis",
    "kpis_and_monthly",
    "monthly",
    "overview_figures",
    "report",
]
