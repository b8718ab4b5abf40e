"""Edge files, generated: ordinary exports that stress the edges of every page and command.

edge_files(folder) writes them and returns {name: path}. Each is small (a few hundred lines at
most) so a page runs on it in about a second.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl


def _orders(n: int = 120, days: int = 400, customers: int = 30, start=date(2024, 1, 1)):
    """n lines: customer c{i % customers}, one every days / n days, amounts 10.5, 11.5 ..."""
    step = max(days // max(n, 1), 1)
    return pl.DataFrame(
        {
            "customer": [f"c{i % customers}" for i in range(n)],
            "date": [start + timedelta(days=(i * step) % days) for i in range(n)],
            "amount": [10.5 + (i % 17) for i in range(n)],
        }
    )


def _with_dims(df: pl.DataFrame) -> pl.DataFrame:
    n = df.height
    return df.with_columns(
        order_id=pl.Series([f"o{i}" for i in range(n)]),
        region=pl.Series([["North", "South"][i % 2] for i in range(n)]),
        category=pl.Series([["Books", "Toys", "Food"][i % 3] for i in range(n)]),
        product=pl.Series([f"p{i % 5}" for i in range(n)]),
        channel=pl.Series([["Online", "Store"][i % 2] for i in range(n)]),
        status=pl.Series(["delivered"] * n),
    )


def edge_files(folder: Path) -> dict[str, Path]:
    """Write the corpus into `folder`; returns {name: path}."""
    folder.mkdir(parents=True, exist_ok=True)
    base = _orders()
    files: dict[str, pl.DataFrame | str] = {
        # only the three required roles, no region/category/product/channel/status
        "minimal": base,
        "one_day": base.with_columns(date=pl.lit(date(2024, 5, 17))),
        "one_customer": base.with_columns(customer=pl.lit("only")),
        "one_row": base.head(1),
        "all_returned": _with_dims(base).with_columns(status=pl.lit("returned")),
        # January and March only: a month without orders in between
        "month_gap": base.with_columns(
            date=pl.when(pl.int_range(pl.len()) % 2 == 0)
            .then(pl.lit(date(2024, 1, 10)))
            .otherwise(pl.lit(date(2024, 3, 20)))
        ),
        # the last full month (before the last order's month) has no orders
        "empty_last_full_month": pl.concat(
            [
                _orders(60, 60, 20, date(2024, 1, 1)),
                _orders(5, 5, 5, date(2024, 4, 1)),
            ]
        ),
        "dates_1900_9999": base.with_columns(
            date=pl.when(pl.int_range(pl.len()) < 3)
            .then(pl.lit(date(1900, 1, 1)))
            .when(pl.int_range(pl.len()) > pl.len() - 3)
            .then(pl.lit(date(9999, 12, 31)))
            .otherwise(pl.col("date"))
        ),
        "zero_and_negative": base.with_columns(
            amount=pl.when(pl.int_range(pl.len()) % 3 == 0)
            .then(0.0)
            .when(pl.int_range(pl.len()) % 3 == 1)
            .then(-pl.col("amount"))
            .otherwise(pl.col("amount"))
        ),
        "hostile_ids": base.with_columns(
            customer=pl.Series(
                ["=cmd|' /C calc'!A0", "![x](http://127.0.0.1:9/x.png)", "<b>bold</b>", "-34"]
                * (base.height // 4)
            )
        ),
        "with_dimensions": _with_dims(base),
        # amounts that are not finite numbers, as text in the file
        "nan_inf_amounts": "customer,date,amount\n"
        + "".join(f"c{i % 7},2024-0{1 + i % 6}-1{i % 9},{10 + i}\n" for i in range(40))
        + "c1,2024-02-02,NaN\nc2,2024-03-03,inf\nc3,2024-04-04,-inf\n",
    }
    out = {}
    for name, table in files.items():
        path = folder / f"{name}.csv"
        if isinstance(table, str):
            path.write_text(table)
        else:
            table.write_csv(path)
        out[name] = path
    return out
