"""The stakeholder report as one self-contained HTML file (core.report.files writes it and its PDF).

Self-contained: the styles are inline, the charts are inline SVG drawn by vl-convert, there are no
scripts, web fonts, images or links to fetch, so the file opens offline and sends no request.
Print styles fit A4 and Letter (the narrower and the shorter of the two): sections do not split
inside a card, a chart or a table row, table headers repeat on each page.

Every number carries its exact value in a `data-value` attribute next to the text shown (the
same rounding as the app's cards), so a reader (or a test) can check it against the app.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

import polars as pl

from core import format as fmt
from core.model.status import STATUS_LABELS
from core.report.content import TOP_CUSTOMERS, TOP_SEGMENTS, Report
from core.report.images import inline_svg

CHART_WIDTH = 680


# ---------------------------------------------------------------- number formats (as the app)
def money(x: float | None, digits: int = 0) -> str:
    """The KPI cards' amounts: 12,346 below ten thousand, then 12.3k, 1.23M."""
    return fmt.money(x, digits, compact=True)


pct, num = fmt.percent, fmt.number


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _value(x: Any) -> str:
    return "" if _missing(x) else escape(str(x), quote=True)


# ---------------------------------------------------------------- building blocks
STYLE = """
:root { --ink:#1f2937; --muted:#6b7280; --line:#e5e7eb; --accent:#4f46e5; --soft:#eef2ff; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; }
body { margin: 0 auto; max-width: 186mm; padding: 12mm 0; color: var(--ink);
  font: 10.5pt/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  "Liberation Sans", "DejaVu Sans", sans-serif; }
h1 { font-size: 20pt; margin: 0 0 2mm; }
h2 { font-size: 13.5pt; margin: 7mm 0 2mm; padding-bottom: 1mm;
  border-bottom: 2px solid var(--soft); break-after: avoid; page-break-after: avoid; }
h3 { font-size: 11pt; margin: 4mm 0 1mm; break-after: avoid; }
p { margin: 1mm 0 2mm; }
.muted { color: var(--muted); }
.small { font-size: 9pt; }
section { break-inside: auto; }
.keep { break-inside: avoid; page-break-inside: avoid; }
.scope { display: grid; grid-template-columns: 32mm 1fr; gap: 1mm 4mm; background: #f9fafb;
  border: 1px solid var(--line); border-radius: 2mm; padding: 3mm 4mm; }
.scope dt { color: var(--muted); }
.scope dd { margin: 0; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 3mm; }
.card { border: 1px solid var(--line); border-radius: 2mm; padding: 2.5mm 3mm;
  break-inside: avoid; page-break-inside: avoid; }
.card .label { color: var(--muted); font-size: 9pt; }
.card .value { font-size: 16pt; font-weight: 600; }
.card .delta { font-size: 8.5pt; color: var(--muted); }
.up { color: #15803d; } .down { color: #b91c1c; }
figure { margin: 2mm 0; break-inside: avoid; page-break-inside: avoid; }
figure svg { width: 100%; height: auto; max-height: 120mm; }
figcaption { font-size: 9pt; color: var(--muted); }
table { width: 100%; border-collapse: collapse; font-size: 9.5pt; margin: 1mm 0 3mm; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { text-align: left; padding: 1.2mm 2mm; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { font-weight: 600; background: #f9fafb; }
td.n, th.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.verdict { border-left: 3px solid var(--accent); padding: 1mm 3mm; margin: 2mm 0;
  break-inside: avoid; }
.verdict.win { border-color: #15803d; } .verdict.loss, .verdict.untrusted { border-color: #b91c1c; }
dl.glossary { display: grid; grid-template-columns: 45mm 1fr; gap: 1mm 4mm; margin: 0; }
dl.glossary dt { font-weight: 600; }
dl.glossary dd { margin: 0; }
table.churn-list td:last-child { min-width: 60mm; }
footer { margin-top: 8mm; font-size: 8.5pt; color: var(--muted); }
@page { margin: 14mm 12mm; }
@media print {
  body { padding: 0; max-width: none; }
  h2 { margin-top: 5mm; }
  .cards { grid-template-columns: repeat(4, 1fr); }
}
"""


def _num_cell(text: str, value: Any, key: str | None = None) -> str:
    attr = f' data-key="{escape(key)}"' if key else ""
    return f'<td class="n"{attr} data-value="{_value(value)}">{escape(text)}</td>'


def _table(
    headers: Sequence[tuple[str, bool]], rows: Iterable[Sequence[str]], cls: str = ""
) -> str:
    """`headers`: (title, is_number); `rows`: ready cells (<td>...</td>)."""
    head = "".join(
        f'<th class="n">{escape(h)}</th>' if n else f"<th>{escape(h)}</th>" for h, n in headers
    )
    body = "".join(f"<tr>{''.join(r)}</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _td(text: Any) -> str:
    return f"<td>{escape('' if text is None else str(text))}</td>"


def _card(label: str, key: str, text: str, value: Any, note: str = "", attr: str = "kpi") -> str:
    """A KPI card; `attr` names what the key is ("kpi": the Overview's figures over the whole
    filtered data; "period": the period's figures)."""
    note_html = f'<div class="delta">{escape(note)}</div>' if note else ""
    return (
        f'<div class="card" data-{attr}="{escape(key)}" data-value="{_value(value)}">'
        f'<div class="label">{escape(label)}</div><div class="value">{escape(text)}</div>'
        f"{note_html}</div>"
    )


def _figure(chart: Any, caption: str = "") -> str:
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f"<figure>{inline_svg(chart, CHART_WIDTH)}{cap}</figure>"


# ---------------------------------------------------------------- sections
def _scope(r: Report) -> str:
    s = r.scope
    aside = (
        f"{fmt.count(s.rows_set_aside, 'row')}: "
        + "; ".join(f"{n:,} {reason}" for reason, n in s.set_aside_reasons)
        if s.rows_set_aside
        else "none"
    )
    rows = [
        ("File", s.source),
        ("Orders from", f"{s.first_date} to {s.last_date}"),
        ("As of", str(s.as_of)),
        ("Filters", "; ".join(s.filters) if s.filters else "none (all orders)"),
        ("Order lines used", f"{s.rows_used:,}"),
        ("Rows set aside", aside),
        ("Partial months", ", ".join(s.partial_months) if s.partial_months else "none"),
        (
            "Thresholds",
            f"churned after {s.churn_days} days without an order; "
            f"at risk after {s.at_risk_days} days",
        ),
    ]
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    notes = "".join(f"<li>{escape(n)}</li>" for n in s.notes)
    notes_html = f'<h3>Notes on the data</h3><ul class="small">{notes}</ul>' if notes else ""
    return f'<section id="scope"><h2>Scope</h2><dl class="scope">{items}</dl>{notes_html}</section>'


def _overview_cards(r: Report) -> str:
    k = r.kpis
    cards = [
        _card("Revenue", "revenue", money(k["revenue"]), k["revenue"]),
        _card("Orders", "orders", num(k["orders"]), k["orders"]),
        _card(
            "Customers",
            "customers",
            num(k["customers"]),
            k["customers"],
            f"{num(k['total_customers'])} in all",
        ),
        _card("Average order value", "aov", money(k["aov"], 2), k["aov"]),
        _card("Repeat rate", "repeat_rate", pct(k["repeat_rate"]), k["repeat_rate"]),
        _card("Churn rate", "churn_rate", pct(k["churn_rate"]), k["churn_rate"]),
        _card(
            "Revenue at risk", "revenue_at_risk", money(k["revenue_at_risk"]), k["revenue_at_risk"]
        ),
        _card(
            "At-risk customers",
            "at_risk_customers",
            num(k["at_risk_customers"]),
            k["at_risk_customers"],
        ),
    ]
    return (
        '<section id="kpis"><h2>Headline figures</h2>'
        f'<div class="cards">{"".join(cards)}</div>'
        f'<p class="small muted">{num(k["active_customers"])} active · '
        f"{num(k['at_risk_customers'])} at risk · {num(k['churned_customers'])} churned.</p>"
        "</section>"
    )


_PERIOD_METRICS = (
    "revenue",
    "net_revenue",
    "orders",
    "customers",
    "aov",
    "repeat_rate",
    "new_customers",
    "returning_customers",
)


def _period(r: Report) -> str:
    from core.sales import KPI_LABELS

    cmp = r.comparison

    def fmt(metric: str, x: float | None) -> str:
        kind = KPI_LABELS[metric][1]
        if kind == "money":
            return money(x, 2 if metric in ("aov", "revenue_per_customer") else 0)
        return pct(x) if kind == "rate" else num(x)

    cards = []
    for m in _PERIOD_METRICS:
        now = getattr(cmp.current, m)
        if now is None:
            continue
        delta = cmp.delta(m) or "no comparison"
        cards.append(_card(KPI_LABELS[m][0], m, fmt(m, now), now, delta, attr="period"))
    rows = [
        [
            _td(row["label"]),
            _num_cell(fmt(row["metric"], row["current"]), row["current"]),
            _num_cell(fmt(row["metric"], row["previous"]), row["previous"]),
            _num_cell(fmt(row["metric"], row["last_year"]), row["last_year"]),
        ]
        for row in cmp.table().filter(pl.col("metric").is_in(_PERIOD_METRICS)).iter_rows(named=True)
    ]
    table = _table(
        [("KPI", False), ("This period", True), ("Previous period", True), ("Last year", True)],
        rows,
    )
    return (
        f'<section id="period"><h2>{escape(r.period_name)}: {escape(cmp.period.label())}</h2>'
        f'<div class="cards">{"".join(cards)}</div>'
        f'<p class="small muted">{escape(cmp.basis())}</p>{table}</section>'
    )


def _monthly(r: Report) -> str:
    from core.charts.overview import monthly_revenue

    m = r.monthly
    partial = r.scope.partial_months
    caption = (
        f"Lighter bars are partial months ({', '.join(partial)}): compare them with care."
        if partial
        else "Every month is complete."
    )
    band = max(2, min(24, int(0.7 * CHART_WIDTH / max(m.height, 1))))  # bars as wide as a month
    chart = (
        monthly_revenue(m)
        .properties(width=CHART_WIDTH, height=260)
        .configure_bar(continuousBandSize=band)
    )
    return f'<section id="monthly"><h2>Monthly revenue</h2>{_figure(chart, caption)}</section>'


def _bridge(r: Report) -> str:
    from core.charts.sales import bridge_waterfall
    from core.sales import headline

    if r.change is None:
        return (
            '<section id="bridge"><h2>What changed</h2><p class="muted">The data does not reach '
            "back to the previous period: no revenue bridge.</p></section>"
        )
    b = r.change.bridge
    sentences = "".join(f"<li>{escape(s)}</li>" for s in r.change.sentences.values())
    chart = bridge_waterfall(b).properties(width=CHART_WIDTH, height=240)
    return (
        '<section id="bridge"><h2>What changed</h2>'
        f'<p data-key="bridge" data-value="{_value(b.change)}">'
        f"<strong>{escape(headline(b))}</strong></p>"
        f'<p class="small muted">{escape(b.period_a.label())} → {escape(b.period_b.label())}. '
        f"{escape(b.counts())}</p>"
        f"<ul>{sentences}</ul>{_figure(chart)}</section>"
    )


def _segments(r: Report) -> str:
    top = (
        r.segments.filter(pl.col("customers") > 0)
        .sort(["revenue", "rfm_segment"], descending=[True, False])
        .head(TOP_SEGMENTS)
    )
    has_action = "action" in top.columns
    rows = [
        [
            _td(s["rfm_segment"]),
            _num_cell(num(s["customers"]), s["customers"]),
            _num_cell(pct(s["customer_share"]), s["customer_share"]),
            _num_cell(money(s["revenue"]), s["revenue"]),
            _num_cell(pct(s["revenue_share"]), s["revenue_share"]),
            _num_cell(money(s["revenue_per_customer"], 2), s["revenue_per_customer"]),
            _td(s["action"] if has_action else ""),
        ]
        for s in top.iter_rows(named=True)
    ]
    table = _table(
        [
            ("Segment", False),
            ("Customers", True),
            ("Share", True),
            ("Revenue", True),
            ("Share", True),
            ("Per customer", True),
            ("What to do", False),
        ],
        rows,
    )
    return (
        f'<section id="segments"><h2>Top {len(rows)} segments by revenue</h2>'
        f'<p class="small muted">RFM segments of {num(r.segments["customers"].sum())} customers.'
        f"</p>{table}</section>"
    )


def _churn(r: Report) -> str:
    k = r.kpis
    top = r.churn_list.head(TOP_CUSTOMERS)
    rows = [
        [
            _td(c["customer_id"]),
            _td(STATUS_LABELS.get(c["status"], c["status"])),
            _num_cell(num(c["recency_days"]), c["recency_days"]),
            _num_cell(money(c["revenue_365d"]), c["revenue_365d"]),
            _td(c["rfm_segment"]),
            _td(c["reason"]),
        ]
        for c in top.iter_rows(named=True)
    ]
    table = _table(
        [
            ("Customer", False),
            ("Status", False),
            ("Days since order", True),
            ("Revenue, 365 days", True),
            ("RFM segment", False),
            ("Why", False),
        ],
        rows,
        cls="churn-list",
    )
    cards = [
        _card("Churn rate", "churn_rate", pct(k["churn_rate"]), k["churn_rate"]),
        _card(
            "Revenue at risk", "revenue_at_risk", money(k["revenue_at_risk"]), k["revenue_at_risk"]
        ),
        _card(
            "At-risk customers",
            "at_risk_customers",
            num(k["at_risk_customers"]),
            k["at_risk_customers"],
        ),
        _card(
            "Churned customers",
            "churned_customers",
            num(k["churned_customers"]),
            k["churned_customers"],
        ),
    ]
    return (
        '<section id="churn"><h2>Churn and revenue at risk</h2>'
        f'<div class="cards">{"".join(cards)}</div>'
        f"<h3>The {len(rows)} most valuable customers to win back</h3>"
        f'<p class="small muted">{num(r.churn_list.height)} customers in the churn list, '
        f"most valuable first (revenue in the 365 days before {r.scope.as_of}).</p>"
        f"{table}</section>"
    )


def _experiment(r: Report) -> str:
    e = r.experiment
    if e is None:
        return ""
    boxes = "".join(
        f'<div class="verdict {escape(outcome)}" data-variant="{escape(variant)}">'
        f"<strong>{escape(variant)} vs {escape(e.control)}</strong> ({escape(outcome)}): "
        f"{escape(text)}</div>"
        for variant, outcome, text in e.verdicts
    )
    if e.error:
        boxes = f'<p class="muted">No verdict: {escape(e.error)}</p>'
    return (
        '<section id="experiment"><h2>Experiment</h2>'
        f'<p class="small muted">{escape(e.name)} · outcome: {escape(e.metric)}</p>'
        f"{boxes}</section>"
    )


def _actions(r: Report) -> str:
    if r.actions is None:
        return ""
    rows = [
        [
            _td(a["action"]),
            _num_cell(num(a["customers"]), a["customers"]),
            _num_cell(money(a["revenue"]), a["revenue"]),
            _td(a["rules"]),
        ]
        for a in r.actions.iter_rows(named=True)
    ]
    table = _table(
        [("Action", False), ("Customers", True), ("Their revenue", True), ("Rules", False)], rows
    )
    return (
        '<section id="actions"><h2>Recommended actions</h2>'
        f"<p>{escape(r.insights_coverage or '')}</p>{table}</section>"
    )


def _definitions(r: Report) -> str:
    parts = []
    for section, items in r.definitions:
        terms = "".join(f"<dt>{escape(t)}</dt><dd>{escape(d)}</dd>" for t, d in items)
        parts.append(f'<h3>{escape(section)}</h3><dl class="glossary small">{terms}</dl>')
    return f'<section id="definitions"><h2>Definitions</h2>{"".join(parts)}</section>'


# ---------------------------------------------------------------- the page
def render_html(report: Report) -> str:
    """The report as one HTML document (str): no scripts, no outside resources."""
    r = report
    body = "".join(
        [
            f"<header><h1>{escape(r.title)}</h1>"
            f'<p class="muted">{escape(r.scope.source)} · as of {r.scope.as_of} · '
            f"generated {r.generated:%Y-%m-%d %H:%M} UTC</p></header>",
            _scope(r),
            _overview_cards(r),
            _period(r),
            _monthly(r),
            _bridge(r),
            _segments(r),
            _churn(r),
            _experiment(r),
            _actions(r),
            _definitions(r),
            "<footer>Customer Pulse · figures as computed by the app for the same data, filters "
            "and settings.</footer>",
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{escape(r.title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )
