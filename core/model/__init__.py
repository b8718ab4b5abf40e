"""The shared vocabulary of the core: a leaf that imports nothing else from core.

errors (InputError), schema (roles, dtypes, customer-table columns and their kinds, as of),
settings (as of and thresholds), status (codes, labels, the status rule), periods (grains,
calendar grid, partial flags, year back) and filters (the sidebar's global filters).
"""

from core.model.errors import InputError
from core.model.filters import Filters, apply_filters, dimension_values
from core.model.schema import (
    CUSTOMER_COLUMN_KINDS,
    CUSTOMER_COLUMNS,
    Frame,
    as_lazy,
    resolve_as_of,
)
from core.model.settings import AT_RISK_DAYS, CHURN_DAYS, Settings, check_thresholds
from core.model.status import (
    STATUS_CODES,
    STATUS_LABELS,
    STATUSES,
    status_codes,
    status_expr,
    with_status_labels,
)

__all__ = [
    "AT_RISK_DAYS",
    "CHURN_DAYS",
    "CUSTOMER_COLUMNS",
    "CUSTOMER_COLUMN_KINDS",
    "STATUSES",
    "STATUS_CODES",
    "STATUS_LABELS",
    "Filters",
    "Frame",
    "InputError",
    "Settings",
    "apply_filters",
    "as_lazy",
    "check_thresholds",
    "dimension_values",
    "resolve_as_of",
    "status_codes",
    "status_expr",
    "with_status_labels",
]
