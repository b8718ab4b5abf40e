"""Sharing results with people who do not open the app: the stakeholder report (HTML, PDF),
charts as PNG/SVG files, and CRM-ready customer lists.

- content: gathers the report's figures from the core functions the pages use.
- html: renders them as one self-contained HTML file (inline SVG charts) and as PDF.
- images: an Altair chart as SVG or PNG (vl-convert, offline).
- crm: the churn list and the insights as one row per customer for a CRM import.
- cli: the report command's --html / --pdf options.

Names load on first use, so the command line's start stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "Report": "core.report.content",
    "build_report": "core.report.content",
    "crm_from_churn_list": "core.report.crm",
    "crm_from_insights": "core.report.crm",
    "render_html": "core.report.html",
    "render_pdf": "core.report.files",
    "write_report": "core.report.files",
    "chart_png": "core.report.images",
    "chart_svg": "core.report.images",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'core.report' has no attribute {name!r}")
