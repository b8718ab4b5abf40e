"""Files out of the app: a table's CSV and Excel downloads (numbers rounded to their kind), a
chart's PNG and SVG, every table a page showed as one workbook, the CRM list of customers and the
stakeholder report. Files are built only on a click.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import polars as pl
import streamlit as st

from core.errors import InputError
from core.export import tidy_numbers, to_csv_bytes, to_xlsx_workbook
from views.tables import KINDS, column_kind, readable


# ---------------------------------------------------------------- a table's files
def download_buttons(
    df: pl.DataFrame,
    name: str,
    key: str | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    formats: Mapping[str, Any] | None = None,
) -> None:
    """CSV and Excel downloads of a table (formula-like cells neutralised).

    CSV: machine column names (scriptable, as the command line writes them), numbers rounded to
    their kind (no float noise). Excel: the headers shown on screen, a number format per column
    kind, frozen header."""

    key = key or name
    kinds = download_kinds(df, formats)
    headers = {c: (labels or {}).get(c) or readable(c) for c in df.columns}
    seen = list(headers.values())
    headers = {  # two columns that would read the same say which is which
        c: f"{h} ({c})" if seen.count(h) > 1 and h != c else h for c, h in headers.items()
    }
    row = st.container(horizontal=True)  # buttons as wide as their text, also in narrow columns
    row.download_button(
        "⬇ CSV",
        data=lambda: to_csv_bytes(tidy_numbers(df, kinds)),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"dl_csv_{key}",
        on_click="ignore",
    )
    row.download_button(
        "⬇ Excel",
        data=lambda: to_xlsx_workbook(
            {name: df.rename(headers)}, kinds={name: {headers[c]: k for c, k in kinds.items()}}
        ),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"dl_xlsx_{key}",
        on_click="ignore",
    )


def download_kinds(df: pl.DataFrame, formats: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Each column's kind for the files: the page's override when it names a kind, else the
    app-wide rule (column_kind)."""
    formats = formats or {}
    return {
        c: formats[c]
        if isinstance(formats.get(c), str) and formats[c] in KINDS
        else column_kind(c, t)
        for c, t in df.schema.items()
    }


# ---------------------------------------------------------------- chart files
def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60] or "chart"


def _chart_title(spec: Any) -> str:
    title = getattr(spec, "title", None)
    text = getattr(title, "text", title)
    if isinstance(text, list):
        text = " ".join(map(str, text))
    return text if isinstance(text, str) else ""


def chart_downloads(spec: Any, name: str | None = None, where: Any = st, key: str | None = None):
    """PNG and SVG download buttons for a chart (rendered offline by vl-convert on a click)."""
    from core.report import chart_png, chart_svg
    from core.report.images import spec_dict

    name = _slug(name or _chart_title(spec) or "chart")
    if key is None:  # stable across reruns, distinct for distinct charts
        raw = json.dumps(spec_dict(spec), sort_keys=True, default=str)
        key = f"{name}_{hashlib.sha1(raw.encode()).hexdigest()[:10]}"
    row = where.container(horizontal=True)
    row.download_button(
        "⬇ PNG",
        data=lambda: chart_png(spec),
        file_name=f"{name}.png",
        mime="image/png",
        key=f"dl_png_{key}",
        on_click="ignore",
    )
    row.download_button(
        "⬇ SVG",
        data=lambda: chart_svg(spec).encode("utf-8"),
        file_name=f"{name}.svg",
        mime="image/svg+xml",
        key=f"dl_svg_{key}",
        on_click="ignore",
    )


# ---------------------------------------------------------------- a page's tables in one workbook
_SHOWN = "_ui_tables_shown"


def _this_run() -> object:
    """An object that lives exactly as long as this script run (Streamlit renews it per run)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.cursors if ctx is not None else None


def register(df: pl.DataFrame | Callable[[], pl.DataFrame | None], name: str) -> None:
    """Remember a table shown in this run, for the page's workbook (tables_workbook)."""
    run = _this_run()
    shown = st.session_state.get(_SHOWN)
    if shown is None or shown["run"] is not run:
        shown = st.session_state[_SHOWN] = {"run": run, "tables": {}}
    shown["tables"][name] = df


def register_later(name: str, make: Callable[[], pl.DataFrame | None]) -> None:
    """A table of a part of the page not drawn in this run (a closed tab), for the page's
    workbook: `make` builds it when the workbook is downloaded, outside the script run (give it
    what it reads: no session state, no cached page function); None leaves the sheet out."""
    register(make, name)


def or_none(make: Callable[[], pl.DataFrame]) -> Callable[[], pl.DataFrame | None]:
    """`make` for register_later, None (no sheet) where the open tab would show a message
    instead of the table (`make` raises InputError)."""

    def built() -> pl.DataFrame | None:
        try:
            return make()
        except InputError:
            return None

    return built


def tables_workbook(name: str, where: Any = st) -> None:
    """A download of every table this page showed in this run as one Excel workbook (when it
    showed at least two). Call it at the end of the page."""
    shown = st.session_state.get(_SHOWN)
    if shown is None or shown["run"] is not _this_run() or len(shown["tables"]) < 2:
        return
    workbook_download(dict(shown["tables"]), name, where)


def workbook_download(
    tables: Mapping[str, pl.DataFrame | Callable[[], pl.DataFrame | None]],
    name: str,
    where: Any = st,
) -> None:
    """One Excel workbook of a page's tables: a sheet per table, typed columns, frozen header,
    the app's number formats (column_kind) per column. A table may be a function that builds
    it (register_later), called on the click; None leaves its sheet out."""

    def book() -> bytes:
        built = {sheet: t() if callable(t) else t for sheet, t in tables.items()}
        frames = {sheet: df for sheet, df in built.items() if df is not None}
        kinds = {
            sheet: {c: column_kind(c, t) for c, t in df.schema.items()}
            for sheet, df in frames.items()
        }
        return to_xlsx_workbook(frames, kinds=kinds)

    # a table built on the click may turn out to have no sheet (its tab shows a message)
    up_to = "up to " if any(callable(t) for t in tables.values()) else ""
    where.download_button(
        f"⬇ All tables on this page (Excel, {up_to}{len(tables)} sheets)",
        data=book,
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"dl_book_{name}",
        on_click="ignore",
    )


# ---------------------------------------------------------------- customer lists and the report
def crm_download(rows: pl.DataFrame | Callable[[], pl.DataFrame], name: str, where=st) -> None:
    """The CRM-ready CSV of a customer list (core.report.crm: one row per customer); `rows` may
    be a function, then it runs only on a click."""
    where.download_button(
        "⬇ CRM CSV",
        data=lambda: to_csv_bytes(rows() if callable(rows) else rows),
        file_name=f"{name}_crm.csv",
        mime="text/csv",
        key=f"dl_crm_{name}",
        on_click="ignore",
        help="One row per customer: id, e-mail (when the data has one), action, reason, "
        "confidence, value at risk. Ready to import into a CRM.",
    )


def report_downloads(data: Any, where: Any = st) -> None:
    """The stakeholder report of the current data, filters and settings (HTML, and PDF when
    WeasyPrint can run here). `data` is the page's state.AppData."""
    from core.report import build_report, render_html, render_pdf
    from views import rule_editor

    rules = rule_editor.current_rules()  # read now; the download runs later

    def html() -> str:
        rep = build_report(
            data.loaded,
            filters=data.filters,
            customers=data.customers_file,
            settings=data.settings,
            rules=rules,
            experiment=data.experiment,
            source=data.name,
            hub=data.customer_table(),
        )
        return render_html(rep)

    row = where.container(horizontal=True)
    row.download_button(
        "⬇ Report (HTML)",
        data=lambda: html().encode("utf-8"),
        file_name="customer_pulse_report.html",
        mime="text/html",
        key="dl_report_html",
        on_click="ignore",
        help="One self-contained page with these figures, for people who do not open the app. "
        "Prints to A4 and Letter.",
    )
    row.download_button(
        "⬇ Report (PDF)",
        data=lambda: render_pdf(html()),
        file_name="customer_pulse_report.pdf",
        mime="application/pdf",
        key="dl_report_pdf",
        on_click="ignore",
    )
