"""Ingest: files in, the canonical orders frame out, with everything said about it.

readers (bytes -> a text table), parsing (amounts, dates, statuses), roles (which column plays
which role), frame (the canonical orders frame and the customers file), quality (the data-quality
report). Callers import the entry points from here.
"""

from core.ingest.frame import Loaded, build_orders, load_customers, load_orders
from core.ingest.readers import excel_sheets, read_table

__all__ = [
    "Loaded",
    "build_orders",
    "excel_sheets",
    "load_customers",
    "load_orders",
    "read_table",
]
