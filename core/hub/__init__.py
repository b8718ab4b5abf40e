"""The hub: the customer metrics table every capability reads, and its per-customer base.

base   customer_base (first/last order, orders, revenue, recency, tenure ...), the order
       columns that are customer attributes
table  customer_metrics (once per dataset and as-of, threshold-free, with the CLV fit),
       with_status (the status view for a pair of thresholds), customer_table (both)
"""

from core.hub.base import attribute_columns, customer_base
from core.hub.table import CLV_COLUMNS, customer_metrics, customer_table, with_status
from core.model.status import status_expr

__all__ = [
    "CLV_COLUMNS",
    "attribute_columns",
    "customer_base",
    "customer_metrics",
    "customer_table",
    "status_expr",
    "with_status",
]
