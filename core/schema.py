"""Old import path of the data model; it lives in core.model.schema and core.model.settings."""

from core.model.schema import (
    CUSTOMER_COLUMN_KINDS,
    CUSTOMER_COLUMNS,
    DIMENSIONS,
    NET_EXCLUDED,
    OPTIONAL_ROLES,
    ORDER_DTYPES,
    REQUIRED_ROLES,
    ROLES,
    STATUSES,
    Frame,
    as_lazy,
    resolve_as_of,
)
from core.model.settings import AT_RISK_DAYS, CHURN_DAYS, Settings

__all__ = [
    "AT_RISK_DAYS",
    "CHURN_DAYS",
    "CUSTOMER_COLUMNS",
    "CUSTOMER_COLUMN_KINDS",
    "DIMENSIONS",
    "NET_EXCLUDED",
    "OPTIONAL_ROLES",
    "ORDER_DTYPES",
    "REQUIRED_ROLES",
    "ROLES",
    "STATUSES",
    "Frame",
    "Settings",
    "as_lazy",
    "resolve_as_of",
]
