"""Every CSV and Excel download of every page, read back: numbers formatted by column kind.

The pages run in AppTest on the sample; each st.download_button's file is captured and opened
the way a person's spreadsheet would: the CSV with the csv module, the workbook with openpyxl.
"""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from streamlit.delta_generator import DeltaGenerator

from tests.app.conftest import CLOSED_TABS as TABS
from tests.app.conftest import assert_no_exception, open_tab, run_page

PAGES = [
    "views/overview.py",
    "views/sales.py",
    "views/customers.py",
    "views/churn.py",
    "views/insights.py",
    "views/data.py",
]
# whole numbers by nature: counts of things and days
COUNT = re.compile(r"^(orders|customers|lines|members|n|count|.*_count|.*_customers|.*_orders)$")
DAYS = re.compile(r"(^|_)days($|_)")
NOISE = re.compile(r"\.\d{7,}$")  # 364427.30000000005


@pytest.fixture(scope="module")
def downloads():
    files: dict[str, bytes] = {}
    original = DeltaGenerator.download_button

    def capture(self, label, data, file_name=None, *args, **kwargs):
        if file_name and file_name.endswith((".csv", ".xlsx")):
            files[file_name] = data() if callable(data) else data
        return original(self, label, data, file_name, *args, **kwargs)

    DeltaGenerator.download_button = capture
    try:
        for page in PAGES:
            at = run_page(page)
            assert_no_exception(at)
            key, tabs = TABS.get(page, ("", ()))
            for tab in tabs:
                assert_no_exception(open_tab(at, key, tab))
    finally:
        DeltaGenerator.download_button = original
    return files


def test_every_page_offers_csv_and_excel(downloads):
    csvs = {n[:-4] for n in downloads if n.endswith(".csv")}
    xlsxs = {n[:-5] for n in downloads if n.endswith(".xlsx")}
    assert len(csvs) >= 20
    assert csvs - {n for n in csvs if n.endswith("_crm")} <= xlsxs | {
        n for n in csvs if n.endswith("_crm")
    }


def test_csv_numbers_have_no_float_noise_and_counts_are_whole(downloads):
    for name, data in downloads.items():
        if not name.endswith(".csv"):
            continue
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        header, body = rows[0], rows[1:]
        for i, column in enumerate(header):
            values = [r[i] for r in body if i < len(r) and r[i] != ""]
            numbers = [v for v in values if re.fullmatch(r"-?\d+(\.\d+)?", v)]
            assert not [v for v in numbers if NOISE.search(v)], (name, column, numbers[:3])
            whole = COUNT.match(column) or DAYS.search(column)
            if whole and numbers and len(numbers) == len(values):
                assert all("." not in v for v in numbers), (name, column, numbers[:3])


def test_excel_has_screen_headers_frozen_and_number_formats(downloads):
    for name, data in downloads.items():
        if not name.endswith(".xlsx") or name.startswith("all_tables"):
            continue
        book = openpyxl.load_workbook(io.BytesIO(data))
        for sheet in book.worksheets:
            assert sheet.freeze_panes == "A2", (name, sheet.title)
            header = [c.value for c in sheet[1]]
            # headers as on screen: "Revenue (365 days)", not revenue_365d
            assert not [h for h in header if h and re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", h)], (
                name,
                header,
            )
            if sheet.max_row < 2:
                continue
            for cell, head in zip(sheet[2], header, strict=False):
                if isinstance(cell.value, float):  # every fractional number has a format
                    assert cell.number_format != "General", (name, head)
                if (
                    head
                    and re.search(r"share|rate|margin", str(head), re.I)
                    and isinstance(cell.value, float)
                ):
                    assert "%" in cell.number_format, (name, head, cell.number_format)
