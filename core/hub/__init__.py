"""The hub: the customer metrics table every capability reads, and its per-customer base.

base   customer_base (first/last order, orders, revenue, recency, tenure ...), the order
       columns that are customer attributes
table  customer_metrics (once per dataset and as-of, threshold-free, with the CLV fit;
       metrics_with_fit: the table and that fit), with_status (the status view for a pair of
       thresholds), customer_table (both), with_clv_of (a table's CLV columns from another)

Names are imported on first use: the report's KPIs read the base without loading the CLV fit
(scipy) that the table needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.model.lazy import lazy_getattr

if TYPE_CHECKING:  # pragma: no cover
    from core.hub.base import attribute_columns, customer_base
    from core.hub.table import (
        CLV_COLUMNS,
        customer_metrics,
        customer_table,
        metrics_with_fit,
        with_clv_of,
        with_status,
    )
    from core.model.status import status_expr

_WHERE = {
    "attribute_columns": "core.hub.base",
    "customer_base": "core.hub.base",
    "CLV_COLUMNS": "core.hub.table",
    "customer_metrics": "core.hub.table",
    "customer_table": "core.hub.table",
    "metrics_with_fit": "core.hub.table",
    "with_clv_of": "core.hub.table",
    "with_status": "core.hub.table",
    "status_expr": "core.model.status",
}


__getattr__ = lazy_getattr(globals(), _WHERE)


__all__ = [
    "CLV_COLUMNS",
    "attribute_columns",
    "customer_base",
    "customer_metrics",
    "customer_table",
    "metrics_with_fit",
    "status_expr",
    "with_clv_of",
    "with_status",
]
