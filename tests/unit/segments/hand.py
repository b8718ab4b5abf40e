"""Ten hand-made customers (HAND) and eight order lines (ORDERS) the segments tests share."""

from __future__ import annotations

from datetime import date

import polars as pl

# Ten customers. Score = 1 + floor(5 * worse / 10), worse = customers with a strictly worse value.
HAND = pl.DataFrame(
    {
        "customer_id": [f"c{i}" for i in range(10)],
        "recency_days": [5, 10, 10, 40, 60, 90, 120, 200, 300, 400],
        "orders": [8, 1, 1, 1, 2, 2, 3, 5, 1, 1],
        "revenue": [900.0, 50, 60, 70, 80, 80, 300, 500, 20, 10],
    }
).with_columns((pl.col("revenue") / pl.col("orders")).alias("aov"))


ORDERS = pl.DataFrame(
    {
        "customer_id": ["A", "A", "A", "A", "B", "C", "C", "C"],
        "order_id": ["o1", "o1", "o2", "o3", "o4", "o5", "o5", "o6"],
        "order_date": [
            date(2024, 1, 1),
            date(2024, 1, 1),
            date(2024, 1, 11),
            date(2024, 2, 1),
            date(2024, 1, 5),
            date(2024, 3, 6),
            date(2024, 3, 5),
            date(2024, 3, 5),
        ],
        "revenue": [10.0, 5.0, 20.0, 30.0, 7.0, 1.0, 2.0, 3.0],
        "product": ["pen", "ink", "pen", "paper", "pen", "ink", "ink", "pen"],
        "gender": ["F", "F", "M", None, "M", "F", "F", "F"],
    }
)
