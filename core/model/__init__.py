"""The shared vocabulary of the core: a leaf that imports nothing else from core.

errors (InputError), schema (roles, dtypes, customer-table columns and their kinds, as of),
settings (as of and thresholds), status (codes, labels, the status rule), periods (grains,
calendar grid, partial flags, year back) and filters (the sidebar's global filters).

Names are imported on first use (so `python -m core --help` does not load polars).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.model.lazy import lazy_getattr

if TYPE_CHECKING:  # pragma: no cover
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

_WHERE = {
    "InputError": "core.model.errors",
    "Filters": "core.model.filters",
    "apply_filters": "core.model.filters",
    "dimension_values": "core.model.filters",
    "CUSTOMER_COLUMN_KINDS": "core.model.schema",
    "CUSTOMER_COLUMNS": "core.model.schema",
    "Frame": "core.model.schema",
    "as_lazy": "core.model.schema",
    "resolve_as_of": "core.model.schema",
    "AT_RISK_DAYS": "core.model.settings",
    "CHURN_DAYS": "core.model.settings",
    "Settings": "core.model.settings",
    "check_thresholds": "core.model.settings",
    "STATUS_CODES": "core.model.status",
    "STATUS_LABELS": "core.model.status",
    "STATUSES": "core.model.status",
    "status_codes": "core.model.status",
    "status_expr": "core.model.status",
    "with_status_labels": "core.model.status",
}


__getattr__ = lazy_getattr(globals(), _WHERE)


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
