"""The stakeholder report (core.report): its figures against DuckDB on the raw file, the scope it
states, that it is self-contained, the PDF, and `python -m core report --html/--pdf`."""

from __future__ import annotations

import io
import re
from datetime import date
from html import unescape
from pathlib import Path

import duckdb
import pytest
from pypdf import PdfReader

from core.__main__ import main
from core.errors import InputError
from core.filters import Filters
from core.ingest import load_orders
from core.report import build_report, render_html, render_pdf

ROOT = Path(__file__).resolve().parents[2]
ORDERS = ROOT / "data" / "orders.csv"
EXPERIMENT = ROOT / "data" / "experiment.csv"


def expected(region: str | None = None) -> dict:
    """Revenue, orders, customers, churn rate and revenue at risk from the raw CSV (DuckDB),
    as SPEC defines them: as_of is the last order date; churned after 90 days without an order,
    at risk after 60; revenue at risk is the last 365 days' revenue of both."""
    con = duckdb.connect()
    where = f"WHERE Region = '{region}'" if region else ""
    con.execute(f"CREATE VIEW o AS SELECT * FROM read_csv_auto('{ORDERS}') {where}")
    revenue, orders, customers, as_of = con.execute(
        'SELECT sum("Line Total"), count(DISTINCT "Order ID"), count(DISTINCT "Customer ID"), '
        'max("Order Date") FROM o'
    ).fetchone()
    con.execute(
        'CREATE VIEW last AS SELECT "Customer ID" AS id, '
        f"date_diff('day', max(\"Order Date\"), DATE '{as_of}') AS idle FROM o GROUP BY 1"
    )
    churned = con.execute("SELECT count(*) FROM last WHERE idle > 90").fetchone()[0]
    at_risk = con.execute("SELECT count(*) FROM last WHERE idle > 60 AND idle <= 90").fetchone()[0]
    risk = con.execute(
        'SELECT sum("Line Total") FROM o JOIN last ON o."Customer ID" = last.id '
        f"WHERE idle > 60 AND \"Order Date\" > DATE '{as_of}' - INTERVAL 365 DAY"
    ).fetchone()[0]
    return {
        "revenue": revenue,
        "orders": orders,
        "customers": customers,
        "churn_rate": churned / customers,
        "revenue_at_risk": risk,
        "at_risk_customers": at_risk,
        "churned_customers": churned,
        "as_of": as_of,
    }


def figures(html: str) -> dict[str, list[float]]:
    """Every KPI card's exact value, by key (a figure may appear in more than one section)."""
    out: dict[str, list[float]] = {}
    for key, value in re.findall(r'data-kpi="([a-z_]+)" data-value="([^"]*)"', html):
        out.setdefault(key, []).append(float(value))
    return out


@pytest.fixture(scope="module")
def loaded():
    return load_orders(ORDERS)


@pytest.fixture(scope="module")
def west(loaded):
    rep = build_report(
        loaded,
        filters=Filters(values={"region": ("West",)}),
        experiment=load_experiment_table(),
        source="orders.csv",
    )
    return rep, render_html(rep)


def load_experiment_table():
    import polars as pl

    return pl.read_csv(EXPERIMENT)


def test_report_figures_equal_duckdb_on_the_raw_file_with_a_filter(west):
    rep, html = west
    want = expected("West")
    got = figures(html)
    for key in ("revenue", "orders", "customers", "churn_rate", "revenue_at_risk"):
        assert got[key], key
        for value in got[key]:  # the headline card and the churn section say the same
            assert value == pytest.approx(want[key], rel=1e-9), key
    assert got["at_risk_customers"][0] == want["at_risk_customers"]
    assert got["churned_customers"][0] == want["churned_customers"]
    assert rep.scope.as_of == want["as_of"]
    # shown as the app's cards show them
    assert re.search(r'data-kpi="orders"[^>]*>.*?<div class="value">([^<]+)<', html).group(1) == (
        f"{want['orders']:,}"
    )


def test_report_states_its_scope(west):
    rep, html = west
    assert "region: West" in html
    assert "orders.csv" in html
    assert rep.scope.partial_months == ["2026-06"]  # the data ends on 18 June
    assert "2026-06" in html[html.index('id="scope"') : html.index('id="kpis"')]
    assert "Rows set aside</dt><dd>none" in html


def test_report_sections_hold_the_apps_content(west):
    rep, html = west
    for section in ("scope", "kpis", "period", "monthly", "bridge", "segments", "churn"):
        assert f'id="{section}"' in html
    assert 'id="experiment"' in html and "B vs A" in html
    assert 'id="actions"' in html and "customers get an action" in html
    assert 'id="definitions"' in html and "Revenue at risk" in html
    # the most valuable customer to win back: highest revenue in the last 365 days among
    # West's at-risk and churned customers, checked with DuckDB
    con = duckdb.connect()
    top = con.execute(
        f"""WITH o AS (SELECT * FROM read_csv_auto('{ORDERS}') WHERE Region = 'West'),
        m AS (SELECT max("Order Date") AS as_of FROM o),
        c AS (SELECT "Customer ID" AS id, max("Order Date") AS last FROM o GROUP BY 1)
        SELECT c.id, sum("Line Total") AS r FROM o JOIN c ON o."Customer ID" = c.id, m
        WHERE date_diff('day', c.last, m.as_of) > 60 AND "Order Date" > m.as_of - INTERVAL 365 DAY
        GROUP BY 1 ORDER BY r DESC LIMIT 1"""
    ).fetchone()
    churn_part = html[html.index('id="churn"') :]
    first_row = re.search(r'<table class="churn-list">.*?<tbody><tr><td>([^<]+)</td>', churn_part)
    assert first_row.group(1) == top[0]
    # the bridge sentence: revenue of the last full month (May 2026) against the 31 days before
    may = con.execute(
        f"""SELECT sum("Line Total") FROM read_csv_auto('{ORDERS}') WHERE Region = 'West'
        AND "Order Date" BETWEEN DATE '2026-05-01' AND DATE '2026-05-31'"""
    ).fetchone()[0]
    assert rep.change.bridge.revenue_b == pytest.approx(may)
    assert f"-> {may:,.0f})" in unescape(html)


def test_report_is_self_contained(west):
    _, html = west
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    assert "@import" not in html and "url(" not in html
    assert not re.search(r"\s(src|href)=", html)
    # the only URLs are XML namespace names inside the SVGs, never fetched
    urls = set(re.findall(r"https?://[^\"'\s)>]+", html))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert html.count("<svg") >= 2  # monthly revenue and the bridge, inline
    assert "@page" in html and "@media print" in html


def test_rows_set_aside_and_why(tmp_path):
    f = tmp_path / "orders.csv"
    f.write_text(
        "order_id,customer_id,order_date,revenue\n"
        "1,a,2024-01-05,10\n2,b,2024-02-05,20\n3,,2024-02-06,30\n4,c,someday,40\n"
        "5,c,2024-03-01,50\n",
        encoding="utf-8",
    )
    loaded = load_orders(f)
    rep = build_report(loaded, rules=[])
    assert rep.scope.rows_set_aside == 2
    assert sum(n for _, n in rep.scope.set_aside_reasons) == 2
    html = render_html(rep)
    assert "2 rows:" in html
    assert rep.kpis["revenue"] == 80.0  # 10 + 20 + 50
    assert 'id="actions"' not in html  # no rules: no actions section
    assert rep.scope.first_date == date(2024, 1, 5)


def test_settings_give_the_report_of_the_same_three_values(loaded):
    """settings= (what the app passes) and as_of / churn_days / at_risk_days one by one give the
    same report; thresholds away from the defaults, so a value left out would show."""
    from polars.testing import assert_frame_equal

    from core.model.settings import Settings

    as_of = date(2024, 6, 30)
    one_by_one = build_report(loaded, as_of=as_of, churn_days=120, at_risk_days=30, rules=[])
    given = build_report(loaded, settings=Settings(as_of, 120, 30), rules=[])
    default = build_report(loaded, as_of=as_of, rules=[])
    assert given.kpis.keys() == one_by_one.kpis.keys()
    for name, value in one_by_one.kpis.items():  # sums in whatever order polars adds them up
        want = pytest.approx(value, rel=1e-12) if isinstance(value, float) else value
        assert given.kpis[name] == want, name
    assert given.kpis["churned_customers"] != default.kpis["churned_customers"]
    assert given.scope == one_by_one.scope
    for name in ("monthly", "segments", "churn_list"):
        assert_frame_equal(getattr(given, name), getattr(one_by_one, name))


def test_pdf_on_a4_and_letter(tmp_path):
    f = tmp_path / "orders.csv"
    rows = [f"{i},c{i % 7},2024-{1 + i % 12:02d}-{1 + i % 27:02d},{10 + i}" for i in range(60)]
    f.write_text("order_id,customer_id,order_date,revenue\n" + "\n".join(rows), encoding="utf-8")
    html = render_html(build_report(load_orders(f)))
    for paper, size in (("A4", (595, 842)), ("Letter", (612, 792))):
        pdf = PdfReader(io.BytesIO(render_pdf(html, paper=paper)))
        assert len(pdf.pages) >= 2
        box = pdf.pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == size
        text = pdf.pages[0].extract_text()
        assert "Headline figures" in text and "Scope" in text
    with pytest.raises(InputError):
        render_pdf(html, paper="A3")


def test_command_line_writes_html_and_pdf(tmp_path, capsys):
    html, pdf = tmp_path / "report.html", tmp_path / "report.pdf"
    rc = main(
        [
            "report",
            str(ORDERS),
            "--html",
            str(html),
            "--pdf",
            str(pdf),
            "--experiment",
            str(EXPERIMENT),
            "--json",
        ]
    )
    assert rc == 0
    out = capsys.readouterr().out
    assert '"html":' in out and '"pdf":' in out
    text = html.read_text(encoding="utf-8")
    assert figures(text)["revenue"][0] == pytest.approx(expected()["revenue"])
    assert 'id="experiment"' in text
    assert pdf.read_bytes().startswith(b"%PDF")


def test_command_line_bad_report_path(tmp_path, capsys):
    rc = main(["report", str(ORDERS), "--html", str(tmp_path / "missing" / "r.html")])
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --html")


def test_a_file_without_dates_is_refused_in_one_line(tmp_path, capsys):
    f = tmp_path / "no_dates.csv"
    f.write_text("customer_id,revenue\na,10\nb,20\n", encoding="utf-8")
    rc = main(["report", str(f), "--html", str(tmp_path / "r.html")])
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "needs order dates" in err[0]
    assert not (tmp_path / "r.html").exists()
