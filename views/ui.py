"""Shared widgets for pages: number formats, KPI cards, tables with downloads, errors."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
import streamlit as st

from core import format as fmt
from core.export import tidy_numbers, to_csv_bytes, to_xlsx_workbook

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


# ---------------------------------------------------------------- charts and files out
def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60] or "chart"


def _chart_title(spec: Any) -> str:
    title = getattr(spec, "title", None)
    text = getattr(title, "text", title)
    if isinstance(text, list):
        text = " ".join(map(str, text))
    return text if isinstance(text, str) else ""


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

    out = where.altair_chart(fit_width(spec) if fit else spec, width="stretch", **kwargs)
    chart_downloads(spec, name, where, key=download_key)
    return out


def chart_downloads(spec: Any, name: str | None = None, where: Any = st, key: str | None = None):
    """PNG and SVG download buttons for a chart (rendered offline by vl-convert on a click)."""
    import hashlib
    import json

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


_SHOWN = "_ui_tables_shown"


def _this_run() -> object:
    """An object that lives exactly as long as this script run (Streamlit renews it per run)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.cursors if ctx is not None else None


def _register(df: pl.DataFrame, name: str) -> None:
    """Remember a table shown in this run, for the page's workbook (tables_workbook)."""
    run = _this_run()
    shown = st.session_state.get(_SHOWN)
    if shown is None or shown["run"] is not run:
        shown = st.session_state[_SHOWN] = {"run": run, "tables": {}}
    shown["tables"][name] = df


def tables_workbook(name: str, where: Any = st) -> None:
    """A download of every table this page showed in this run as one Excel workbook (when it
    showed at least two). Call it at the end of the page."""
    shown = st.session_state.get(_SHOWN)
    if shown is None or shown["run"] is not _this_run() or len(shown["tables"]) < 2:
        return
    workbook_download(dict(shown["tables"]), name, where)


def workbook_download(tables: Mapping[str, pl.DataFrame], name: str, where: Any = st) -> None:
    """One Excel workbook of a page's tables: a sheet per table, typed columns, frozen header,
    the app's number formats (column_kind) per column."""
    from core.export import to_xlsx_workbook

    kinds = {
        sheet: {c: column_kind(c, t) for c, t in df.schema.items()} for sheet, df in tables.items()
    }
    where.download_button(
        f"⬇ All tables on this page (Excel, {len(tables)} sheets)",
        data=lambda: to_xlsx_workbook(tables, kinds=kinds),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"dl_book_{name}",
        on_click="ignore",
    )


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
        s = data.settings
        rep = build_report(
            data.loaded,
            filters=data.filters,
            customers=data.customers_file,
            as_of=s.as_of,
            churn_days=s.churn_days,
            at_risk_days=s.at_risk_days,
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


# ---------------------------------------------------------------- tables
# One rule set for every table of the app. A column's look follows from its name and dtype:
#
#   kind         example names                                     shown as
#   money        revenue, revenue_365d, net_revenue, profit, cost,  12,346        (no decimals)
#                expected_clv_365d, amount, spend, *_effect
#   unit_money   aov, unit_price, price, revenue_per_customer,      1,234.50      (2 decimals)
#                *_per_customer, *_per_order, avg_*_value
#   percent      share, *_share, *_rate, retention, churn, margin,  12.3%         (1 decimal;
#                p_alive, growth, *_pct, chance_to_win, lifts        the data holds 0.123)
#   p_value      p_value, p_adjusted, *_p                           0.0123        (4 decimals)
#   count        customers, orders, units, any integer column       1,234
#   days         recency_days, tenure_days, *_days                  1,234         (whole days)
#   decimal      any other float                                    1,234.57      (2 decimals)
#   plain_int    year, version, run_id, rank, priority, source_row  2024          (no separator)
#   date         Date columns                                       2024-03-31
#   datetime     Datetime columns                                   2024-03-31 14:05
#   long_text    reason, action, description, condition ... or any text longer than 60 characters
#   text         other text
#
# Money totals drop the cents (they are read as sizes); amounts per order, customer or unit keep
# them (they are compared to a price). A page changes a column with `formats=` (a kind above, a
# printf / Streamlit number format, or a full st.column_config column) and its header with
# `labels=`.
MONEY_TOTAL_FORMAT = "%,.0f"
MONEY_UNIT_FORMAT = "%,.2f"
PERCENT_STEP = 0.001  # Streamlit rounds to the step: 0.1234 -> 0.123 -> "12.3%"
KINDS = (
    *("money", "unit_money", "percent", "p_value", "count", "days", "decimal", "plain_int"),
    *("date", "datetime", "long_text", "text", "bool"),
)
_NUMBER_FORMATS = {
    "money": MONEY_TOTAL_FORMAT,
    "unit_money": MONEY_UNIT_FORMAT,
    "p_value": "%.4f",
    "decimal": "%,.2f",
    "plain_int": "%d",
}

_MONEY_WORDS = ("revenue", "profit", "clv", "cost", "spend", "amount", "price", "sales")
_UNIT_MONEY = frozenset({"aov", "unit_price", "price", "unit_cost", "avg_order_value"})
_PER_UNIT = ("_per_customer", "_per_order", "_per_unit", "avg_", "mean_", "aov")
_MONEY = frozenset({"amount", "spend"})
_MONEY_PARTS = (*_MONEY_WORDS, "_effect")
_COUNTS = frozenset({"customers", "orders", "units", "lines", "retained", "matched", "active"})
_COUNT_SUFFIXES = ("_customers", "_orders", "_units", "_lines")
_PERCENT = frozenset(
    {"share", "rate", "retention", "churn", "margin", "p_alive", "growth", "chance_to_win"}
    | {"risk_control", "risk_variant", "cum_share", "cum_entity_share", "revenue_retention"}
)
_PERCENT_PARTS = ("share", "_rate", "rate_", "retention", "_pct", "growth", "relative_lift")
_PERCENT_PARTS += ("relative_ci", "margin")
_P_VALUES = ("p_value", "p_adjusted", "_p", "p_value_")
_PLAIN_INT = frozenset({"year", "version", "rule_set_version", "run_id", "rank", "priority"})
_PLAIN_INT |= {"source_row", "score", "r_score", "f_score", "m_score", "month", "order", "id"}
_LONG_TEXT = frozenset(
    {"reason", "action", "description", "condition", "changes", "meaning", "note", "rule"}
    | {"rules", "check", "error", "explanation", "sentence", "values", "detail", "comment"}
)
LONG_TEXT_CHARS = 60  # a text column with a longer value is shown wide ...
SHORT_TEXT_CHARS = 30  # ... and so is a prose column (reason, rule ...) unless all are this short

# Headers: snake_case names read as words ("days_since" -> "Days since"); these known names and
# word parts read better spelled out. A page adds or replaces labels with `labels=`.
LABELS: dict[str, str] = {
    "customer_id": "Customer",
    "order_id": "Order",
    "order_date": "Order date",
    "aov": "AOV",
    "recency_days": "Days since last order",
    "avg_recency_days": "Avg. days since last order",
    "tenure_days": "Customer for (days)",
    "avg_days_between_orders": "Days between orders",
    "order_days": "Order days",
    "n_orders": "Orders",
    "rfm_segment": "RFM segment",
    "loyalty": "Repeat behaviour",
    "rfm_code": "RFM code",
    "r_score": "R",
    "f_score": "F",
    "m_score": "M",
    "p_alive": "P(alive)",
    "p_value": "p-value",
    "p_adjusted": "p-value (adjusted)",
    "fisher_p": "Fisher's exact p",
    "relative_p_value": "p-value (relative)",
    "cum_share": "Cumulative revenue share",
    "cum_entity_share": "Cumulative share of the count",
    "yoy_growth": "Growth vs last year",
    "yoy_pct": "Change vs last year",
    "change_pct": "Change %",
    "last_year": "Last year",
    "points": "Change (pts)",
    "month_name": "Month",
    "revenue_low": "Lowest revenue",
    "revenue_high": "Highest revenue",
    "unit_price": "Unit price",
    "unit_cost": "Unit cost",
    "share_of_group": "Share of the group",
    "source_row": "Row in file",
    "is_control": "Control",
    "ok": "OK",
    "ci_low": "CI low",
    "ci_high": "CI high",
    "run_id": "Run",
    "created_at": "Saved at",
}
_WORDS = {
    "aov": "AOV",
    "clv": "CLV",
    "rfm": "RFM",
    "id": "ID",
    "ci": "CI",
    "yoy": "YoY",
    "cuped": "CUPED",
    "pct": "%",
    "avg": "Avg.",
    "cum": "Cumulative",
}
_DAYS_SUFFIX = re.compile(r"^(\d+)d$")


def readable(name: str) -> str:
    """The header of a column: LABELS, else its snake_case name as words ("revenue_365d" ->
    "Revenue (365 days)", "expected_clv_365d" -> "Expected CLV (365 days)"). A name that is not
    snake_case (a customer's own "Signup Date", "Subscription = Yes", "0") is kept as it is."""
    if name in LABELS:
        return LABELS[name]
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        return name
    words = []
    for w in name.split("_"):
        if not w:
            continue
        days = _DAYS_SUFFIX.match(w)
        words.append(f"({days.group(1)} days)" if days else _WORDS.get(w, w))
    text = " ".join(words)
    return text[0].upper() + text[1:] if text else name


def _is(name: str, names: frozenset[str], parts: tuple[str, ...]) -> bool:
    return name in names or any(p in name for p in parts)


def column_kind(name: str, dtype: pl.DataType, longest: int | None = None) -> str:
    """The kind (see KINDS) of a column from its name and dtype; `longest` is the length of
    the longest value of a text column, when known."""
    n = name.lower()
    if dtype == pl.Boolean:
        return "bool"
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Datetime):
        return "datetime"
    if not dtype.is_numeric():
        if longest is None:
            return "long_text" if n in _LONG_TEXT else "text"
        wide = longest > LONG_TEXT_CHARS or (n in _LONG_TEXT and longest > SHORT_TEXT_CHARS)
        return "long_text" if wide else "text"
    if n in _PLAIN_INT or n.endswith("_score"):
        return "plain_int" if dtype.is_integer() else "decimal"
    if n.startswith("p_value") or n in _P_VALUES or n.endswith(_P_VALUES):
        return "p_value"
    if _is(n, _PERCENT, _PERCENT_PARTS) and dtype.is_float():
        return "percent"
    money = _is(n, _MONEY, _MONEY_PARTS)
    if n.endswith("_effect"):  # a share of a change of revenue
        return "money"
    if n in _UNIT_MONEY or n.startswith("aov") or (money and any(p in n for p in _PER_UNIT)):
        return "unit_money"
    if money:
        return "money"
    if "days" in n.split("_") or n.startswith("bin_"):
        return "days"
    if dtype.is_integer() or n in _COUNTS or n.endswith(_COUNT_SUFFIXES):
        return "count"
    return "decimal"


def column_config(kind_or_format: Any, label: str) -> Any:
    """The st.column_config column for a kind (KINDS), a number format or a given column."""
    f = kind_or_format
    if isinstance(f, dict):  # an st.column_config column: keep it, with the label if it has none
        return {"label": label, **{k: v for k, v in f.items() if v is not None}}
    if f == "percent":
        return st.column_config.NumberColumn(label, format="percent", step=PERCENT_STEP)
    if f in ("count", "days"):
        return st.column_config.NumberColumn(label, format="%,.0f")
    if f == "date":
        return st.column_config.DateColumn(label, format="YYYY-MM-DD")
    if f == "datetime":
        return st.column_config.DatetimeColumn(label, format="YYYY-MM-DD HH:mm")
    if f == "long_text":
        return st.column_config.TextColumn(label, width="large")
    if f == "text":
        return st.column_config.TextColumn(label)
    if f == "bool":
        return st.column_config.CheckboxColumn(label)
    if f in ("money", "unit_money"):  # in the data's currency: "€12,346"
        digits = 2 if f == "unit_money" else 0
        return st.column_config.NumberColumn(label, format=fmt.money_format(digits, currency()))
    return st.column_config.NumberColumn(label, format=_NUMBER_FORMATS.get(f, f))


def _longest(df: pl.DataFrame) -> dict[str, int]:
    text = [c for c, t in df.schema.items() if t in (pl.Utf8, pl.Categorical, pl.Enum)]
    if not text or df.is_empty():
        return {}
    row = df.select(pl.col(c).cast(pl.Utf8).str.len_chars().max() for c in text).row(0)
    return {c: n or 0 for c, n in zip(text, row, strict=True)}


def table_config(
    df: pl.DataFrame,
    labels: Mapping[str, str] | None = None,
    formats: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """st.column_config of every column of `df` by the app-wide rules, with the overrides."""
    labels, formats = labels or {}, formats or {}
    longest = _longest(df)
    out = {}
    for c, t in df.schema.items():
        kind = formats.get(c) or column_kind(c, t, longest.get(c))
        label = labels.get(c) or readable(c)
        n = longest.get(c, 0)
        if kind in ("text", "long_text") and n > 24:  # wide enough for its longest value
            out[c] = st.column_config.TextColumn(label, width=min(7 * n + 32, 560))
        else:
            out[c] = column_config(kind, label)
    return out


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

    Formats and headers follow the app-wide rules above (`column_kind`, `readable`): money
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
        column_config=table_config(shown, labels, formats),
        **kwargs,
    )
    if download:
        download_buttons(df, name, key, labels=labels, formats=formats)
        _register(df, name)


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
