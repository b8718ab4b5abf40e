"""One profit definition (core.model.profit) on a three-line hand-made file.

    order customer date        region revenue cost
    o1    A        2024-01-05  West   100      60
    o2    A        2024-01-20  West    50      10
    o3    A        2024-02-03  East    50      (none)

Profit counts the lines that have a cost: (100 - 60) + (50 - 10) = 80; margin = 80 / (100 + 50).
Subtracting all cost from all revenue would give 200 - 70 = 130, counting line o3's revenue as
pure profit (the customer table did that before).
"""

from __future__ import annotations

import csv

import pytest

from core import sales
from core.customers import customer_table
from core.ingest import load_orders
from core.model.profit import profit_margin


@pytest.fixture
def orders(tmp_path):
    path = tmp_path / "three_lines.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["order_id", "customer_id", "order_date", "region", "revenue", "cost"])
        w.writerow(["o1", "A", "2024-01-05", "West", "100", "60"])
        w.writerow(["o2", "A", "2024-01-20", "West", "50", "10"])
        w.writerow(["o3", "A", "2024-02-03", "East", "50", ""])
    return load_orders(path).orders


def test_sales_and_customer_table_agree_on_profit(orders):
    k = sales.kpis(orders)
    assert k.profit == pytest.approx(80.0)
    assert k.margin == pytest.approx(80 / 150)
    table = customer_table(orders, with_clv=False)
    assert table["profit"].to_list() == [pytest.approx(80.0)]


def test_breakdown_value_without_cost_has_no_profit(orders):
    rows = {r["value"]: r for r in sales.breakdown(orders, "region").iter_rows(named=True)}
    assert rows["West"]["profit"] == pytest.approx(80.0)
    assert rows["West"]["margin"] == pytest.approx(80 / 150)
    assert rows["East"]["profit"] is None
    assert rows["East"]["margin"] is None


def test_margin_is_undefined_without_costed_revenue():
    assert profit_margin(80.0, 150.0) == pytest.approx(80 / 150)
    assert profit_margin(None, 150.0) is None
    assert profit_margin(0.0, 0.0) is None
