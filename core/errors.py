"""Old import path of the one input-error type; it lives in core.model.errors."""

from core.model.errors import InputError

__all__ = ["InputError"]
