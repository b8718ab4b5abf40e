"""Revenue concentration (core.sales.pareto)."""

from __future__ import annotations

from datetime import date

import pytest

from core import sales
from tests.unit.sales.hand import make


def test_pareto_customers(orders):
    p = sales.pareto(orders, "customer_id", top_n=2)
    # A 100+50+60+30 = 240, B 200+40 = 240, D 90+80 = 170, C 50; total 700
    assert p.table["key"].to_list() == ["A", "B", "D", "C"]
    assert p.table["cum_share"].to_list() == pytest.approx([240 / 700, 480 / 700, 650 / 700, 1])
    assert p.top_n_share == pytest.approx(480 / 700)
    assert p.n_for_80 == 3  # 480/700 = 68.6% < 80% <= 650/700 = 92.9%
    assert p.top_20pct_share == pytest.approx(240 / 700)  # ceil(0.2 * 4) = 1 customer
    # HHI = (240^2 + 240^2 + 170^2 + 50^2) / 700^2 = 146600 / 490000
    assert p.hhi == pytest.approx(146600 / 490000)
    assert p.risk == "high"  # largest 34.3% > 25%
    assert "Top 2 customers = 68.6% of revenue" in p.statement()


def test_pareto_low_risk_when_spread_evenly():
    rows = [
        (f"o{i}", f"C{i}", date(2024, 1, 1), "P", "K", "R", 10, 5, "delivered", 30, "F")
        for i in range(20)
    ]
    p = sales.pareto(make(rows))
    # 20 equal customers: HHI = 20 * (1/20)^2 = 0.05, largest 5%; 80% needs 16 customers
    assert p.hhi == pytest.approx(0.05) and p.risk == "low" and p.n_for_80 == 16


def test_pareto_noun_and_named_table(orders):
    p = sales.pareto(orders, "product")
    assert p.noun == "products" and "product" in p.named_table().columns
    c = sales.pareto(orders)
    assert c.noun == "customers" and c.named_table()["customer_id"].to_list() == [
        "A", "B", "D", "C",
    ]  # fmt: skip
