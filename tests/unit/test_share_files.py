"""Files that leave the app: chart PNG/SVG (vl-convert), the multi-table Excel workbook and the
CRM lists. Each file is opened and read back (Pillow, openpyxl, the csv module)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import altair as alt
import numpy as np
import openpyxl
import polars as pl
import pytest
from PIL import Image

from core.charts import fit
from core.export import to_csv_bytes, to_xlsx_workbook
from core.report import chart_png, chart_svg, crm_from_churn_list, crm_from_insights
from core.report.crm import CRM_COLUMNS, email_column

BARS = pl.DataFrame({"month": ["Jan", "Feb", "Mar"], "revenue": [120.0, 80.0, 200.0]})


def bar_chart() -> alt.Chart:
    return (
        alt.Chart(BARS, title="Revenue by month")
        .mark_bar(color="#4F46E5")
        .encode(x="month:N", y="revenue:Q")
        .properties(height=200)
    )


def test_chart_svg_holds_the_marks_and_labels():
    svg = chart_svg(bar_chart(), width=400)
    assert svg.lstrip().startswith("<svg")
    for text in ("Revenue by month", "Jan", "Feb", "Mar", "revenue"):
        assert text in svg
    # three bars, drawn as paths of the bar colour
    assert svg.lower().count('fill="#4f46e5"') == 3


def test_chart_png_is_a_sharp_image_of_the_chart():
    png = chart_png(bar_chart(), width=400)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    img = Image.open(io.BytesIO(png)).convert("RGB")
    w, h = img.size
    assert w >= 800 and h >= 400  # drawn at twice the size for print and sharp screens
    # the bars' colour is there: count pixels of #4F46E5
    bar_pixels = int((np.asarray(img) == (0x4F, 0x46, 0xE5)).all(axis=-1).sum())
    assert bar_pixels > 1000


def test_a_chart_fitted_to_its_container_gets_a_width():
    # the app fits charts drawn in closed tabs to their container: outside a page that has no
    # width, so the file is drawn at the width asked for
    svg = chart_svg(fit(bar_chart().properties(width="container")), width=500)
    width = int(re.search(r'<svg[^>]* width="(\d+)"', svg).group(1))
    assert 450 <= width <= 560


def test_chart_with_more_rows_than_altairs_guard():
    many = pl.DataFrame({"x": list(range(6000))})
    chart = alt.Chart(many).mark_tick().encode(x="x:Q")
    assert chart_svg(chart).count("<path") >= 1


def test_workbook_one_sheet_per_table_typed_frozen_formatted():
    tables = {
        "churn_list": pl.DataFrame(
            {
                "customer_id": ["C1", '=HYPERLINK("x")'],
                "last_order": [date(2024, 3, 1), date(2024, 1, 5)],
                "revenue_365d": [1234.5, 99.0],
                "p_alive": [0.42, 0.9],
                "orders": [3, 1],
            }
        ),
        "inactivity/buckets": pl.DataFrame({"bucket": ["0-30"], "customers": [10]}),
    }
    kinds = {
        "churn_list": {
            "customer_id": "text",
            "last_order": "date",
            "revenue_365d": "money",
            "p_alive": "percent",
            "orders": "count",
        },
        "inactivity/buckets": {"customers": "count"},
    }
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx_workbook(tables, kinds=kinds)))
    assert wb.sheetnames == ["churn_list", "inactivity_buckets"]
    ws = wb["churn_list"]
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == list(tables["churn_list"].columns)
    assert all(c.font.b for c in ws[1])
    row = {h.value: c for h, c in zip(ws[1], ws[2], strict=True)}
    assert row["revenue_365d"].value == 1234.5 and row["revenue_365d"].number_format == "#,##0"
    assert row["p_alive"].value == 0.42 and row["p_alive"].number_format == "0.0%"
    assert row["orders"].value == 3 and row["orders"].data_type == "n"
    assert row["last_order"].is_date and row["last_order"].number_format == "yyyy-mm-dd"
    # a formula-like id stays text, never a formula
    bad = ws.cell(row=3, column=1)
    assert bad.data_type == "s" and bad.value == '=HYPERLINK("x")'
    assert wb["inactivity_buckets"]["B2"].value == 10


# ---------------------------------------------------------------- CRM lists
def hub() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "Email": ["a@x.org", "b@x.org", None, "d@x.org"],
            "status": ["churned", "at_risk", "active", "churned"],
            "revenue_365d": [300.0, 120.0, 80.0, None],
            "rfm_segment": ["At Risk", "Need Attention", "Champions", "Lost"],
        }
    )


def test_crm_from_insights_one_row_per_customer():
    insights = pl.DataFrame(
        {
            "customer_id": ["a", "c"],
            "rule": ["Win back", "VIP"],
            "reason": ["no order for 120 days", "top spender"],
            "action": ["Call", "Thank"],
            "confidence": ["High", "Medium"],
        }
    )
    out = crm_from_insights(insights, hub())
    assert tuple(out.columns) == CRM_COLUMNS
    assert out.rows() == [
        ("a", "a@x.org", "Call", "no order for 120 days", "High", 300.0),
        ("c", None, "Thank", "top spender", "Medium", 0.0),  # active: nothing at risk
    ]


def test_crm_from_churn_list_uses_the_insight_else_the_segment_action():
    rows = pl.DataFrame(
        {
            "customer_id": ["a", "b", "d"],
            "reason": ["r1", "r2", "r3"],
            "rfm_segment": ["At Risk", "Need Attention", "Lost"],
            "revenue_365d": [300.0, 120.0, None],
        }
    )
    insights = pl.DataFrame({"customer_id": ["b"], "action": ["Send offer"], "confidence": ["Low"]})
    out = crm_from_churn_list(rows, hub(), insights)
    assert out["customer_id"].to_list() == ["a", "b", "d"]
    assert out["email"].to_list() == ["a@x.org", "b@x.org", "d@x.org"]
    assert out["reason"].to_list() == ["r1", "r2", "r3"]
    assert out["value_at_risk"].to_list() == [300.0, 120.0, 0.0]
    assert out["action"][1] == "Send offer" and out["confidence"][1] == "Low"
    assert out["action"][0].startswith("Personal emails")  # the At Risk segment's action
    assert out["confidence"][0] is None


def test_crm_csv_reads_back_one_row_per_customer():
    rows = pl.DataFrame(
        {
            "customer_id": ["a", "b"],
            "reason": ["-1 day", "r"],
            "rfm_segment": ["At Risk", "Lost"],
            "revenue_365d": [10.5, 0.0],
        }
    )
    data = to_csv_bytes(crm_from_churn_list(rows, hub()))
    read = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["customer_id"] for r in read] == ["a", "b"]
    assert list(read[0]) == list(CRM_COLUMNS)
    assert read[0]["value_at_risk"] == "10.5"
    assert read[0]["reason"] == "'-1 day"  # formula-safe


@pytest.mark.parametrize(
    ("table", "mapping", "want"),
    [
        (pl.DataFrame({"customer_id": ["1"], "E-Mail": ["x@y.z"]}), None, "E-Mail"),
        (pl.DataFrame({"customer_id": ["ann@example.com"]}), None, "customer_id"),
        (pl.DataFrame({"customer_id": ["17"]}), {"customer_id": "Client E-mail"}, "customer_id"),
        (pl.DataFrame({"customer_id": ["C1", "C2"]}), {"customer_id": "Customer ID"}, None),
    ],
)
def test_email_column(table, mapping, want):
    assert email_column(table, mapping) == want
