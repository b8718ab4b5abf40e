"""Lazy package exports: a package's public names imported on first use.

A package `__init__` declares where each name lives and gets a module `__getattr__` from
`lazy_getattr`, so `python -m core --help` and light commands never load polars or scipy.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_getattr(package: dict[str, Any], where: dict[str, str]) -> Callable[[str], Any]:
    """A module-level `__getattr__` for the package whose globals() is `package`: name -> the
    attribute of the module `where[name]`, imported once and then kept in the package."""

    def __getattr__(name: str) -> Any:
        if name in where:
            value = getattr(importlib.import_module(where[name]), name)
            package[name] = value
            return value
        raise AttributeError(f"module {package['__name__']!r} has no attribute {name!r}")

    return __getattr__
