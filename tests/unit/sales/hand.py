"""The made-up shop of the sales tests: nine lines, every expected value worked out by hand.

The shop (2024 is a leap year; data runs 10 Jan - 29 Feb, so January is a partial month):

    line order cust date        product cat   region  revenue cost status     Age Gender
    1    o1    A    2024-01-10  P1      Cat1  West    100     60   delivered  25  F
    2    o1    A    2024-01-10  P2      Cat2  West     50     20   delivered  25  F
    3    o2    B    2024-01-20  P1      Cat1  East    200    120   delivered  40  M
    4    o3    C    2024-01-25  P3      Cat2  -        50     30   returned   33  -
    5    o4    A    2024-02-05  P1      Cat1  West     60     36   delivered  25  F
    6    o5    B    2024-02-10  P2      Cat2  East     40     16   cancelled  40  M
    7    o6    D    2024-02-15  P3      Cat2  -        90     54   delivered  52  F
    8    o7    A    2024-02-20  P2      Cat2  West     30     12   returned   25  F
    9    o8    D    2024-02-29  P1      Cat1  -        80     48   delivered  52  F

January: lines 1-4, revenue 400, orders o1 o2 o3 = 3, customers A B C = 3.
February: lines 5-9, revenue 300, orders o4..o8 = 5, customers A B D = 3.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from core.sales import Period

JAN = Period(date(2024, 1, 1), date(2024, 1, 31))
FEB = Period(date(2024, 2, 1), date(2024, 2, 29))


ROWS = [
    ("o1", "A", date(2024, 1, 10), "P1", "Cat1", "West", 100, 60, "delivered", 25, "F"),
    ("o1", "A", date(2024, 1, 10), "P2", "Cat2", "West", 50, 20, "delivered", 25, "F"),
    ("o2", "B", date(2024, 1, 20), "P1", "Cat1", "East", 200, 120, "delivered", 40, "M"),
    ("o3", "C", date(2024, 1, 25), "P3", "Cat2", None, 50, 30, "returned", 33, None),
    ("o4", "A", date(2024, 2, 5), "P1", "Cat1", "West", 60, 36, "delivered", 25, "F"),
    ("o5", "B", date(2024, 2, 10), "P2", "Cat2", "East", 40, 16, "cancelled", 40, "M"),
    ("o6", "D", date(2024, 2, 15), "P3", "Cat2", None, 90, 54, "delivered", 52, "F"),
    ("o7", "A", date(2024, 2, 20), "P2", "Cat2", "West", 30, 12, "returned", 25, "F"),
    ("o8", "D", date(2024, 2, 29), "P1", "Cat1", None, 80, 48, "delivered", 52, "F"),
]


COLUMNS = [
    "order_id",
    "customer_id",
    "order_date",
    "product",
    "category",
    "region",
    "revenue",
    "cost",
    "status",
    "Age",
    "Gender",
]


def make(rows=ROWS) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=COLUMNS, orient="row").with_columns(
        pl.col("revenue", "cost").cast(pl.Float64),
        pl.col("Age").cast(pl.Int64),
        pl.int_range(1, pl.len() + 1, dtype=pl.UInt32).alias("source_row"),
    )
