"""The shop's orders as a fixture."""

from __future__ import annotations

import polars as pl
import pytest

from tests.unit.sales.hand import make


@pytest.fixture
def orders() -> pl.DataFrame:
    return make()
