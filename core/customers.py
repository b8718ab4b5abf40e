"""Old import path of the hub; it lives in core.hub."""

from core.hub import attribute_columns, customer_base, customer_table, status_expr

__all__ = ["attribute_columns", "customer_base", "customer_table", "status_expr"]
