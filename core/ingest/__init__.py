"""Ingest: files in, the canonical orders frame out, with everything said about it.

readers (a file -> a table; text_types: which text columns read typed), parsing (amounts,
dates, statuses), roles (which column plays which role), dates (day/month order from evidence),
frame (the canonical orders frame), returns, currency, identity, attributes, customers_file,
quality (the data-quality report).
Callers import the entry points from here.
"""

from core.ingest.customers_file import load_customers
from core.ingest.excel import excel_sheets
from core.ingest.frame import Loaded, build_orders, load_orders
from core.ingest.readers import read_table

__all__ = [
    "Loaded",
    "build_orders",
    "excel_sheets",
    "load_customers",
    "load_orders",
    "read_table",
]
