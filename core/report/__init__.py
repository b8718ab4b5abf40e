"""Sharing results with people who do not open the app: the stakeholder report (HTML, PDF),
charts as PNG/SVG files, and CRM-ready customer lists.

- content: gathers the report's figures from the core functions the pages use.
- html: renders them as one self-contained HTML file (inline SVG charts) and as PDF.
- images: an Altair chart as SVG or PNG (vl-convert, offline).
- crm: the churn list and the insights as one row per customer for a CRM import.
"""

from __future__ import annotations

from core.report.content import Report, build_report
from core.report.crm import crm_from_churn_list, crm_from_insights
from core.report.html import render_html, render_pdf, write_report
from core.report.images import chart_png, chart_svg

__all__ = [
    "Report",
    "build_report",
    "chart_png",
    "chart_svg",
    "crm_from_churn_list",
    "crm_from_insights",
    "render_html",
    "render_pdf",
    "write_report",
]
