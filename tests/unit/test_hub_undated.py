"""The customer table of a file without order dates: every line counts, the date columns
(first/last order, recency, tenure, revenue_365d, status) are null, value tiers are set."""

from __future__ import annotations

import csv
import io

from core.hub import customer_table
from core.ingest import load_orders

SURVEY = """Customer ID,Age,Purchase Amount (USD),Subscription Status
1,55,53,Yes
2,19,64,Yes
1,55,10,Yes
3,50,73,No
"""


def test_customer_table_without_dates(tmp_path) -> None:
    path = tmp_path / "survey.csv"
    path.write_text(SURVEY)
    table = customer_table(load_orders(path).orders)
    rows = list(csv.DictReader(io.StringIO(SURVEY)))
    spent: dict[str, float] = {}
    for r in rows:
        spent[r["Customer ID"]] = spent.get(r["Customer ID"], 0) + float(r["Purchase Amount (USD)"])
    assert dict(zip(table["customer_id"], table["revenue"])) == spent
    assert dict(zip(table["customer_id"], table["orders"])) == {"1": 2, "2": 1, "3": 1}
    for c in ("first_order", "last_order", "recency_days", "tenure_days", "revenue_365d"):
        assert table[c].is_null().all(), c
    assert table["status"].is_null().all()
    assert table["value_tier"].is_not_null().all()
