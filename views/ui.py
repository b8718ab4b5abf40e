"""Shared widgets for pages: number formats, KPI cards, downloads, errors."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
import streamlit as st

from core.export import to_csv_bytes, to_xlsx_bytes


def money(x: float | None, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    sign = "-" if x < 0 else ""
    x = abs(x)
    if x >= 1e6:
        return f"{sign}{x / 1e6:,.2f}M"
    if x >= 1e4:
        return f"{sign}{x / 1e3:,.1f}k"
    return f"{sign}{x:,.{digits}f}"


def pct(x: float | None, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x * 100:.{digits}f}%"


def num(x: float | int | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{x:,.0f}"


def days(x: float | None) -> str:
    return "–" if x is None else f"{x:,.0f} days"


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    delta: str | None = None
    help: str | None = None
    delta_color: str = "normal"  # "inverse" when down is good (churn), "off" for neutral
    chart: Sequence[float] | None = None  # a small trend drawn in the card


def kpi_cards(items: Sequence[Kpi], per_row: int = 4) -> None:
    """A grid of bordered st.metric cards."""
    for start in range(0, len(items), per_row):
        cols = st.columns(per_row)
        for col, k in zip(cols, items[start : start + per_row]):
            col.metric(
                k.label,
                k.value,
                delta=k.delta,
                help=k.help,
                delta_color=k.delta_color,
                delta_arrow="off" if k.delta_color == "off" else "auto",
                chart_data=list(k.chart) if k.chart is not None else None,
                chart_type="area",
                border=True,
            )


def download_buttons(df: pl.DataFrame, name: str, key: str | None = None) -> None:
    """CSV and Excel downloads of a table (formula-like cells neutralised for Excel)."""
    key = key or name
    c1, c2, _ = st.columns([1, 1, 4])
    c1.download_button(
        "⬇ CSV",
        data=lambda: to_csv_bytes(df),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"dl_csv_{key}",
        on_click="ignore",
    )
    c2.download_button(
        "⬇ Excel",
        data=lambda: to_xlsx_bytes(df, sheet=name),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"dl_xlsx_{key}",
        on_click="ignore",
    )


def table_with_download(df: pl.DataFrame, name: str, key: str | None = None, **kwargs) -> None:
    st.dataframe(df, hide_index=True, **kwargs)
    download_buttons(df, name, key)


def show_error(exc: Exception, what: str = "This input cannot be used") -> None:
    st.error(f"{what}: {exc}")
