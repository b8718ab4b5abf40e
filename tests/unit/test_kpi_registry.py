"""The KPI registry: one entry per KPI feeds kpis(), `report --json`, the glossary and the cards."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from core.glossary import GLOSSARY
from core.metrics import KPIS, Kpi, cards, kpis
from core.metrics import registry as reg
from core.model.schema import KINDS
from tests.unit.test_cli_report import SPEC_KEYS

ORDERS = pl.DataFrame(
    {
        "customer_id": ["a", "a", "b"],
        "order_id": ["1", "2", "3"],
        "order_date": [date(2024, 1, 1), date(2024, 3, 1), date(2024, 3, 31)],
        "revenue": [10.0, 30.0, 20.0],
    }
)


def test_every_spec_kpi_is_one_entry():
    names = [k.name for k in KPIS]
    assert len(names) == len(set(names))
    assert SPEC_KEYS - {"mapping", "warnings", "monthly"} == set(names)
    assert {k.kind for k in KPIS} <= set(KINDS)
    for k in KPIS:
        assert (k.expr is not None) == (k.source != "derived"), k.name
        assert (k.derive is not None) == (k.source == "derived"), k.name


def test_glossary_and_cards_read_the_registry():
    terms = {t: d for items in GLOSSARY.values() for t, d in items}
    for k in KPIS:
        if k.glossary:
            assert terms[k.term or k.label] == k.glossary
    assert [c.label for c in cards()] == [
        "Revenue",
        "Orders",
        "Customers",
        "Average order value",
        "Repeat rate",
        "Churn rate",
        "Revenue at risk",
        "At-risk customers",
    ]
    churned = reg.BY_NAME["churned_customers"]
    assert churned.definition(churn_days=120, at_risk_days=45) == "No order for more than 120 days."


def test_adding_a_kpi_is_one_entry(monkeypatch):
    """A new KPI (one registry entry) reaches kpis() and therefore `report --json`."""
    biggest = Kpi(
        "largest_line",
        "Largest line",
        "money",
        "orders",
        pl.col("revenue").max(),
        glossary="The largest single order line.",
    )
    monkeypatch.setattr(reg, "KPIS", (*reg.KPIS, biggest))
    from core.metrics import compute

    monkeypatch.setattr(compute, "KPIS", reg.KPIS)
    k = kpis(ORDERS)
    assert k["largest_line"] == pytest.approx(30.0)
    # 3 orders of 10, 30, 20: revenue 60, aov 20; a ordered twice: repeat rate 1 / 2
    assert (k["revenue"], k["aov"], k["repeat_rate"]) == (60.0, 20.0, 0.5)
