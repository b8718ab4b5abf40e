"""Six hand-made customers with the hub's columns and the rules the tests evaluate on them."""

from __future__ import annotations

from datetime import date

import polars as pl

from core.rules import (
    Rule,
    compile_condition,
)

# Six hand-made customers with the hub's columns (dtypes as core.customers produces them).
TABLE = pl.DataFrame(
    {
        "customer_id": ["A", "B", "C", "D", "E", "F"],
        "first_order": [date(2024, 1, 5)] * 6,
        "last_order": [
            date(2024, 1, 5),
            date(2024, 2, 1),
            date(2024, 7, 20),
            date(2024, 4, 1),
            date(2024, 7, 10),
            date(2024, 5, 21),
        ],
        "orders": pl.Series([1, 2, 8, 5, 1, 3], dtype=pl.UInt32),
        "revenue": [50.0, 300.0, 4000.0, 2500.0, 80.0, 900.0],
        "revenue_365d": [0.0, 100.0, 4000.0, 2000.0, 80.0, 900.0],
        "aov": [50.0, 150.0, 500.0, 500.0, 80.0, 300.0],
        "recency_days": [200, 190, 10, 120, 20, 70],
        "tenure_days": [400, 300, 700, 500, 20, 365],
        "avg_days_between_orders": [None, 45.5, 80.0, 95.0, None, 140.0],
        "return_rate": [0.0, 0.5, 0.1, 0.0, None, 0.35],
        "r_score": pl.Series([1, 1, 5, 2, 5, 3], dtype=pl.Int8),
        "f_score": pl.Series([1, 2, 5, 4, 1, 3], dtype=pl.Int8),
        "m_score": pl.Series([1, 2, 5, 5, 1, 4], dtype=pl.Int8),
        "rfm_segment": [
            "Lost",
            "At Risk",
            "Champions",
            "Cannot Lose Them",
            "New Customers",
            "Need Attention",
        ],
        "value_tier": [
            "Bottom 50%",
            "Middle 30%",
            "Top 5%",
            "Next 15%",
            "Bottom 50%",
            "Middle 30%",
        ],
        "status": ["churned", "churned", "active", "churned", "active", "at_risk"],
        "p_alive": [0.1, 0.2, 0.95, 0.4, 0.9, None],
        "expected_clv_365d": [0.0, 20.0, 3000.0, 400.0, 60.0, 300.0],
        "subscriber": [False, False, True, True, False, True],
        "region": ["North", "South", "North", "East", None, "West"],
    }
)


def matches(condition: str, table: pl.DataFrame = TABLE) -> list[str]:
    return table.filter(compile_condition(condition, table.schema))["customer_id"].to_list()


RULES = [
    Rule(
        "Winback",
        "recency_days >= 180 and orders <= 2",
        "Send reactivation offer",
        reason="Inactive {recency_days}",
        confidence="High",
        priority=50,
    ),
    Rule("Big", "revenue >= 900", "VIP care", reason="Spent {revenue}", priority=80),
    Rule("Churned", 'status == "churned"', "Win-back email", priority=50),
    Rule("Broken", "revnue > 5", "Nothing", priority=99),
    Rule("Off", "orders >= 1", "Nothing", enabled=False, priority=100),
]


WINBACK = Rule("Winback", "recency_days >= 180", "Offer", priority=50)


BIG = Rule("Big", "revenue >= 300", "VIP care", confidence="High", priority=80)
