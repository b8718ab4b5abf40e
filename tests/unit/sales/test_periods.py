"""Periods: previous period, last year, presets and baselines (core.sales.periods)."""

from __future__ import annotations

from datetime import date

import pytest

from core import sales
from core.errors import InputError
from core.sales import Period
from tests.unit.sales.hand import FEB, JAN


def test_previous_period_has_equal_length_and_last_year_handles_leap_day():
    p = Period(date(2024, 2, 10), date(2024, 2, 29))  # 20 days
    assert p.days == 20
    # 20 days ending 9 Feb: 21 Jan .. 9 Feb
    assert p.previous() == Period(date(2024, 1, 21), date(2024, 2, 9))
    # 29 Feb 2023 does not exist: 28 Feb
    assert p.last_year() == Period(date(2023, 2, 10), date(2023, 2, 28))
    with pytest.raises(InputError):
        Period(date(2024, 2, 2), date(2024, 2, 1))


def test_presets_know_when_the_last_month_is_complete():
    presets = sales.period_presets(date(2023, 1, 10), date(2024, 2, 29))
    # 29 Feb is February's last day, so February is the last full month
    assert presets["Last full month"] == FEB
    assert presets["Last 30 days"] == Period(date(2024, 1, 31), date(2024, 2, 29))
    assert presets["Last full quarter"] == Period(date(2023, 10, 1), date(2023, 12, 31))
    assert sales.period_presets(date(2024, 1, 1), date(2024, 2, 28))["Last full month"] == JAN


def test_default_preset_and_baseline():
    presets = sales.period_presets(date(2023, 1, 10), date(2024, 2, 29))
    assert sales.default_preset(presets) == "Last full month"
    # data within 10-20 Jan 2024: December 2023 is before the data, no last full month
    short = sales.period_presets(date(2024, 1, 10), date(2024, 1, 20))
    assert sales.default_preset(short) == "Whole range"
    # a whole month compares with the whole month before (not the 29 days from 3 January)
    assert sales.baseline(FEB, "previous") == Period(date(2024, 1, 1), date(2024, 1, 31))
    q2 = Period(date(2024, 4, 1), date(2024, 6, 30))
    assert q2.previous() == Period(date(2024, 1, 1), date(2024, 3, 31))
    # any other range: the range of equal length just before it
    assert Period(date(2024, 2, 3), date(2024, 2, 29)).previous() == Period(  # 27 days
        date(2024, 1, 7), date(2024, 2, 2)
    )
    assert sales.baseline(FEB, "last_year") == Period(date(2023, 2, 1), date(2023, 2, 28))
    with pytest.raises(InputError, match="comparison"):
        sales.baseline(FEB, "yesterday")
