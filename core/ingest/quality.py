"""The data-quality report of an ingested file: what is there, what is missing, what looks wrong.

Covers rows used and set aside (with reasons), date coverage and partial months, missing values
per source column, duplicate rows, negative or zero amounts (returns and cancellations
included), outlier amounts (beyond Q3 + 3 IQR of the log amounts), customer attributes
inconsistent within a customer, and customers-file rows with no orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from core.ingest.duplicates import duplicate_count
from core.ingest.frame import Loaded
from core.model import periods
from core.model.attributes import inconsistent_counts


@dataclass(frozen=True)
class Quality:
    rows_read: int
    rows_used: int
    rows_rejected: int
    rejected: pl.DataFrame  # row, reason, source columns
    first_date: date | None
    last_date: date | None
    months: int
    partial_first_month: bool
    partial_last_month: bool
    missing: pl.DataFrame  # column, role, missing, share
    duplicate_rows: int
    nonpositive: pl.DataFrame  # lines with revenue <= 0
    outliers: pl.DataFrame  # lines beyond Q3 + 3 IQR on the log scale
    outlier_threshold: float | None
    inconsistent: pl.DataFrame  # attribute, customers, share
    customers_without_orders: int

    @property
    def issues(self) -> list[str]:
        """One plain sentence per problem found (empty when the file is clean)."""
        out = []
        if self.rows_rejected:
            out.append(f"{self.rows_rejected:,} rows set aside (see the reasons below).")
        if self.duplicate_rows:
            out.append(f"{self.duplicate_rows:,} rows are exact duplicates of another row.")
        if self.nonpositive.height:
            out.append(f"{self.nonpositive.height:,} lines have a zero or negative amount.")
        if self.outliers.height:
            out.append(
                f"{self.outliers.height:,} lines have unusually large amounts "
                f"(above {self.outlier_threshold:,.2f})."
            )
        for r in self.inconsistent.filter(pl.col("customers") > 0).iter_rows(named=True):
            out.append(
                f"{r['attribute']}: {r['customers']:,} customers have more than one value; "
                "the most frequent one is used."
            )
        if self.partial_first_month or self.partial_last_month:
            which = " and ".join(
                w
                for w, flag in (
                    ("first", self.partial_first_month),
                    ("last", self.partial_last_month),
                )
                if flag
            )
            out.append(f"The {which} month is partial: compare it with care.")
        return out


def quality_report(loaded: Loaded, customers: pl.DataFrame | None = None) -> Quality:
    raw, orders = loaded.raw, loaded.orders
    role_of = {col: role for role, col in loaded.mapping.items()}
    missing = (
        raw.null_count()
        .transpose(include_header=True, header_name="column", column_names=["missing"])
        .with_columns(
            role=pl.col("column").replace_strict(role_of, default=""),
            share=pl.col("missing") / max(raw.height, 1),
        )
        .select("column", "role", "missing", "share")
    )
    first = orders["order_date"].min()
    last = orders["order_date"].max()
    months = 0
    partial_first = partial_last = False
    if first is not None and last is not None:
        months = (last.year - first.year) * 12 + last.month - first.month + 1
        # core.model.periods' rule, one end at a time
        partial_first = periods.is_partial(first.replace(day=1), first, date.max, "month")
        partial_last = periods.is_partial(last.replace(day=1), date.min, last, "month")
    cols = ["source_row", "customer_id", "order_id", "order_date", "revenue"]
    # (lazy: only the shown columns are filtered, not the whole frame: 0.45 s to 0.01 s at 10M)
    nonpositive = orders.lazy().select(cols).filter(pl.col("revenue") <= 0).collect()
    if loaded.returns.height:  # return and cancellation lines, kept beside the purchases
        nonpositive = pl.concat([nonpositive, loaded.returns.select(cols)]).sort("source_row")
    # amounts are skewed: the fence is taken on the log scale (Q3 + 3 IQR of log amounts)
    logs = orders["revenue"].filter(orders["revenue"] > 0).log()
    q1, q3 = logs.quantile(0.25), logs.quantile(0.75)
    threshold = None
    outliers = orders.clear().select(cols)
    if q1 is not None and q3 is not None and q3 > q1:
        threshold = float(np.exp(q3 + 3 * (q3 - q1)))
        outliers = (
            orders.lazy()
            .select(cols)
            .filter(pl.col("revenue") > threshold)
            .sort("revenue", descending=True, maintain_order=True)  # (ties: file order)
            .collect()
        )
    attrs = list(loaded.attributes)
    if "region" in orders.columns:
        attrs = ["region", *attrs]
    n_customers, bad = inconsistent_counts(orders.lazy(), attrs) if attrs else (0, [])
    inconsistent = pl.DataFrame(
        {"attribute": attrs, "customers": bad},
        schema={"attribute": pl.Utf8, "customers": pl.UInt32},
    ).with_columns(share=pl.col("customers") / max(n_customers, 1))
    without = 0
    if customers is not None:
        ids = orders["customer_id"].unique().implode()
        without = customers.filter(~pl.col("customer_id").is_in(ids)).height
    return Quality(
        rows_read=raw.height,
        rows_used=orders.height + loaded.returns.height,
        rows_rejected=loaded.rejected.height,
        rejected=loaded.rejected,
        first_date=first,
        last_date=last,
        months=months,
        partial_first_month=partial_first,
        partial_last_month=partial_last,
        missing=missing,
        duplicate_rows=duplicate_count(raw),
        nonpositive=nonpositive,
        outliers=outliers,
        outlier_threshold=threshold,
        inconsistent=inconsistent,
        customers_without_orders=without,
    )
