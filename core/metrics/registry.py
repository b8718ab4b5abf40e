"""The KPI registry: every headline figure as one entry (name, label, kind, glossary text and how it
is computed). The Overview cards, the `report` JSON and the glossary all read this list, so a new
KPI is one entry here plus its test.

How an entry is computed (`source`):
  orders     a polars expression over the order lines up to as_of (always with a status
             column, null when the file has none)
  customers  a polars expression over one row per customer (core.hub.customer_base) with the
             `status` of the current thresholds
  derived    a function of the figures above it (and of the context: as_of, extra_customers)

`returns_expr`, when set, is the same figure over the file's return and cancellation lines
(core.ingest keeps them apart, negative): it is added to the value (rows, net revenue).
Without order dates there is no as_of: customer figures and dates are None.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from core.model.schema import NET_EXCLUDED

Source = Literal["orders", "customers", "derived"]


@dataclass(frozen=True)
class Kpi:
    """One headline figure. `glossary` may use {churn_days} and {at_risk_days}; `trend` names
    the column of the monthly series drawn in its Overview card; `digits` the card's decimals."""

    name: str  # the key in `report --json` and in kpis()
    label: str  # the card's and the glossary's title
    kind: str  # money, count, percent or date (core.format formats by it)
    source: Source
    expr: pl.Expr | None = None
    returns_expr: pl.Expr | None = None
    derive: Callable[[Mapping[str, Any]], Any] | None = None
    glossary: str | None = None  # None: not in the glossary (file facts such as rows)
    group: str = "Sales"  # the glossary section
    term: str | None = None  # the glossary's title when it differs from the label
    card: int = 0  # its place among the Overview cards (0: not a card)
    trend: str | None = None
    digits: int = 0

    def definition(self, churn_days: int, at_risk_days: int) -> str:
        """The glossary text with the thresholds in force."""
        text = self.glossary or ""
        return text.format(churn_days=churn_days, at_risk_days=at_risk_days)


def _ratio(num: str, den: str) -> Callable[[Mapping[str, Any]], float | None]:
    return lambda v: v[num] / v[den] if v[den] else None


_KEPT = ~pl.col("status").is_in(list(NET_EXCLUDED)).fill_null(False)
_LEAVING = pl.col("status").is_in(["at_risk", "churned"])

KPIS: tuple[Kpi, ...] = (
    Kpi("rows", "Order lines", "count", "orders", pl.len(), returns_expr=pl.len()),
    Kpi(
        "orders",
        "Orders",
        "count",
        "orders",
        pl.col("order_id").n_unique(),
        glossary="Distinct order ids of purchases (built from customer + date when the file has "
        "none); return and cancellation lines are not orders.",
        card=2,
        trend="orders",
    ),
    Kpi(
        "customers",
        "Customers",
        "count",
        "orders",
        pl.col("customer_id").n_unique(),
        glossary="Distinct customers with at least one order.",
        group="Customers",
        card=3,
        trend="customers",
    ),
    Kpi(
        "total_customers",
        "Total customers",
        "count",
        "derived",
        derive=lambda v: v["customers"] + v["extra_customers"],
        glossary="Also counts the customers file's customers who never ordered.",
        group="Customers",
    ),
    Kpi(
        "revenue",
        "Revenue",
        "money",
        "orders",
        pl.col("revenue").sum(),
        glossary="Gross purchases: the amount of every purchase line, whatever its status "
        "(return and cancellation lines are not purchases).",
        card=1,
        trend="revenue",
    ),
    Kpi(
        "net_revenue",
        "Net revenue",
        "money",
        "orders",
        pl.col("revenue").filter(_KEPT).sum(),
        returns_expr=pl.col("revenue").sum(),
        glossary="Revenue without returned and cancelled purchases, minus the return and "
        "cancellation lines (negative amounts, C-prefixed invoices).",
    ),
    Kpi(
        "aov",
        "Average order value",
        "money",
        "derived",
        derive=_ratio("revenue", "orders"),
        glossary="Revenue / orders.",
        term="Average order value (AOV)",
        card=4,
        trend="aov",
        digits=2,
    ),
    Kpi(
        "revenue_per_customer",
        "Revenue per customer",
        "money",
        "derived",
        derive=_ratio("revenue", "customers"),
        glossary="Revenue / customers.",
        digits=2,
    ),
    Kpi(
        "repeat_rate",
        "Repeat rate",
        "percent",
        "customers",
        (pl.col("orders") >= 2).mean(),
        glossary="Customers with 2 or more orders / customers.",
        group="Customers",
        card=5,
    ),
    Kpi(
        "active_customers",
        "Active customers",
        "count",
        "customers",
        (pl.col("status") == "active").sum(),
        glossary="Last order at most {at_risk_days} days before the as-of date.",
        group="Churn and retention",
        term="Active",
    ),
    Kpi(
        "at_risk_customers",
        "At-risk customers",
        "count",
        "customers",
        (pl.col("status") == "at_risk").sum(),
        glossary="Last order between {at_risk_days} and {churn_days} days ago.",
        group="Churn and retention",
        term="At risk",
        card=8,
    ),
    Kpi(
        "churned_customers",
        "Churned customers",
        "count",
        "customers",
        (pl.col("status") == "churned").sum(),
        glossary="No order for more than {churn_days} days.",
        group="Churn and retention",
        term="Churned",
    ),
    Kpi(
        "churn_rate",
        "Churn rate",
        "percent",
        "customers",
        (pl.col("status") == "churned").mean(),
        glossary="Churned customers / customers.",
        group="Churn and retention",
        card=6,
    ),
    Kpi(
        "revenue_at_risk",
        "Revenue at risk",
        "money",
        "customers",
        pl.col("revenue_365d").filter(_LEAVING).sum(),
        glossary="Revenue in the 365 days before the as-of date of the at-risk and churned "
        "customers.",
        group="Churn and retention",
        card=7,
    ),
    Kpi("first_date", "First order", "date", "orders", pl.col("order_date").min()),
    Kpi("last_date", "Last order", "date", "orders", pl.col("order_date").max()),
    Kpi(
        "as_of",
        "As of",
        "date",
        "derived",
        derive=lambda v: v["as_of"],
        glossary="The reference date: the last order date in the data unless you set another.",
    ),
)
BY_NAME: dict[str, Kpi] = {k.name: k for k in KPIS}


def cards() -> list[Kpi]:
    """The KPIs the Overview shows as cards, in registry order."""
    return sorted((k for k in KPIS if k.card), key=lambda k: k.card)


def glossary_entries(group: str) -> list[Kpi]:
    """The KPIs of a glossary section, in registry order."""
    return [k for k in KPIS if k.glossary and k.group == group]
