"""Old import path of the global filters; they live in core.model.filters."""

from core.model.filters import Filters, apply_filters, dimension_values

__all__ = ["Filters", "apply_filters", "dimension_values"]
