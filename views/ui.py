"""Shared widgets for pages: number formats in the data's currency, KPI cards, a chart or a
table with its downloads (views.downloads; a table's columns: views.tables), errors and plain
text in Markdown.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
import streamlit as st

from core import format as fmt
from views import downloads
from views.tables import table_config

_CURRENCY = "money_currency"  # session key: the data's currency code (None: the file never says)


def set_currency(code: str | None) -> None:
    """The currency of this session's money figures (state.app_data sets it from ingest)."""
    st.session_state[_CURRENCY] = code


def currency() -> str | None:
    """The data's currency code, or None when the file never says (then no symbol is shown)."""
    return st.session_state.get(_CURRENCY)


def money(x: float | None, digits: int = 0) -> str:
    """A KPI-card amount in the data's currency: 12,346 below ten thousand, then 12.3k, 1.23M,
    "€1.23M" when the file says euros (core.format.money)."""
    return fmt.money(x, digits, compact=True, currency=currency())


def pct(x: float | None, digits: int = 1) -> str:
    """A share held as 0..1 as a rounded percentage: 12.3%."""
    return fmt.percent(x, digits)


def num(x: float | int | None) -> str:
    """A count with thousands separators: 1,234."""
    return fmt.number(x)


def days(x: float | None) -> str:
    """A number of days: 1 day, 45 days."""
    return fmt.days(x)


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    delta: str | None = None
    help: str | None = None
    delta_color: str = "normal"  # "inverse" when down is good (churn), "off" for neutral
    chart: Sequence[float] | None = None  # a small trend drawn in the card


# KPI labels wrap instead of being cut; on a phone Streamlit stacks columns one per screen, KPI
# cards stay two per row instead.
PHONE_CSS = """<style>
[class*="st-key-kpi-cards"] [data-testid="stMetricLabel"] *,
[class*="st-key-kpi-cards"] [data-testid="stMetricDelta"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
@media (max-width: 640px) {
  [class*="st-key-kpi-cards"] [data-testid="stHorizontalBlock"] {
    flex-wrap: wrap !important; gap: 0.5rem !important; }
  [class*="st-key-kpi-cards"] [data-testid="stColumn"] {
    min-width: calc(50% - 0.25rem) !important; max-width: calc(50% - 0.25rem) !important;
    flex: 1 1 calc(50% - 0.25rem) !important; }
  [class*="st-key-kpi-cards"] [data-testid="stMetricValue"] { font-size: 1.5rem !important; }
}
</style>"""


def page_style() -> None:
    """The app's few layout rules (KPI labels wrap; cards two per row on a phone)."""
    st.html(PHONE_CSS)


def kpi_cards(items: Sequence[Kpi], per_row: int = 4) -> None:
    """A grid of bordered st.metric cards (two per row on a phone, see PHONE_CSS)."""
    labels = "|".join(k.label for k in items)
    grid = st.container(key=f"kpi-cards-{hashlib.sha1(labels.encode()).hexdigest()[:10]}")
    for start in range(0, len(items), per_row):
        cols = grid.columns(per_row)
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


# ---------------------------------------------------------------- a chart, a table
def chart(
    spec: Any,
    name: str | None = None,
    where: Any = st,
    *,
    fit: bool = False,
    download_key: str | None = None,
    **kwargs: Any,
) -> Any:
    """Show an Altair chart at full width with PNG and SVG downloads under it; returns what
    st.altair_chart returns (the selection when `on_select` is given).

    `name` is the file name (default: the chart's title); `fit` fits a chart drawn in a closed
    tab to its container (core.charts.fit); other keyword arguments go to st.altair_chart. The
    files are drawn by vl-convert only on a click."""
    from core.charts import fit as fit_width

    shown = unvalidated(fit_width(spec) if fit else spec)
    out = where.altair_chart(shown, width="stretch", **kwargs)
    downloads.chart_downloads(spec, name, where, key=download_key)
    return out


# Altair checks a chart against the Vega-Lite schema each time Streamlit converts it (8-17 ms a
# chart on every run); core.charts' tests validate every chart, and the AppTests set this to 1
VALIDATE_CHARTS = os.environ.get("CUSTOMER_PULSE_VALIDATE_CHARTS") == "1"


def unvalidated(spec: Any) -> Any:
    """The chart, converted by st.altair_chart without the schema check (VALIDATE_CHARTS)."""
    if not VALIDATE_CHARTS:  # (an instance attribute: SchemaBase would keep it in the spec)
        object.__setattr__(
            spec, "to_dict", functools.partial(type(spec).to_dict, spec, validate=False)
        )
    return spec


SHOWN_ROWS = 10_000  # a longer table shows its first rows (every shown row goes to the browser)


def table(
    df: pl.DataFrame,
    name: str,
    key: str | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    formats: Mapping[str, Any] | None = None,
    hide: Sequence[str] = (),
    height: int | str | None = None,
    download: bool = True,
    table_key: str | None = None,
    **kwargs: Any,
) -> None:
    """Show a table the way every page does, with its CSV and Excel downloads underneath.

    Formats and headers follow the app-wide rules of views.tables (`column_kind`, `readable`): money
    totals 12,346, per-unit money 1,234.50, shares 12.3%, p-values 0.0123, counts 1,234, dates
    2024-03-31, long texts wide; a table of over SHOWN_ROWS rows shows its first SHOWN_ROWS
    (the downloads hold all). `labels` ({column: header}) and `formats` ({column: kind,
    number format or st.column_config column}) change single columns; `hide` leaves columns out
    of the view (not of the downloads). Tables of up to 16 rows are shown whole; empty cells
    show "–".

    The downloads (named `name`.csv / .xlsx; button keys dl_csv_/dl_xlsx_ + `key` or `name`)
    hold every column under its machine name (revenue_365d, not "Revenue (365 days)"), so the
    files stay scriptable and match the CLI. `table_key` is the key of the table itself; other
    keyword arguments go to st.dataframe (width, placeholder, column_order ...).
    """
    if height is None:
        height = 35 * (max(df.height, 1) + 1) + 3 if df.height <= 16 else "auto"
    hidden = set(hide)
    kwargs.setdefault("column_order", [c for c in df.columns if c not in hidden])
    kwargs.setdefault("placeholder", "–")  # an empty cell, as in the KPI cards
    shown = df.head(SHOWN_ROWS)
    if df.height > SHOWN_ROWS:
        st.caption(
            f"The first {SHOWN_ROWS:,} of {df.height:,} rows"
            + (": the downloads below hold every row." if download else ".")
        )
    st.dataframe(
        shown,
        hide_index=True,
        height=height,
        key=table_key,
        column_config=table_config(shown, labels, formats, currency=currency()),
        **kwargs,
    )
    if download:
        downloads.download_buttons(df, name, key, labels=labels, formats=formats)
        downloads.register(df, name)


# ---------------------------------------------------------------- errors, plain text
def show_error(exc: Exception, what: str = "This input cannot be used") -> None:
    st.error(f"{what}: {plain(str(exc))}")


def refused(problems: Sequence[str], what: str = "This mapping is not applied") -> bool:
    """Show why a choice is refused (one line per reason); True when there is any reason."""
    if problems:
        st.error(f"{what}:\n" + "\n".join(f"- {plain(p)}" for p in problems))
    return bool(problems)


_AUTOLINK = re.compile(r"(?i)(?:https?|ftp|mailto|www|@)(?=\\?[:.\w])")
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$=&\"'^%@])")


def plain(text: object) -> str:
    """`text` as plain text inside Markdown (st.markdown, st.error, captions ...): every
    character Markdown or Streamlit would act on is escaped, so a name holding a link, an image,
    a heading, a colour or an icon shows as the characters typed; line breaks become spaces."""
    text = _MARKDOWN.sub(r"\\\1", " ".join(str(text).split()))
    # GFM turns bare web addresses and e-mails into links after escapes are resolved: an
    # invisible word joiner after "http", "www" and "@" keeps them text
    return _AUTOLINK.sub("\\g<0>\u2060", text)
