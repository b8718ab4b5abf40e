"""The report as files: the HTML page written out, and the PDF drawn by WeasyPrint (Python and
Pango from Debian, no browser) on A4 or Letter."""

from __future__ import annotations

from core.errors import InputError
from core.report.content import Report
from core.report.html import render_html

PAPERS = ("A4", "Letter")


def render_pdf(html: str, paper: str = "A4") -> bytes:
    """The HTML report as PDF (WeasyPrint: Python + Pango, no browser). `paper`: A4 or Letter."""
    if paper not in PAPERS:
        raise InputError(f"paper must be A4 or Letter, got {paper!r}")
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the Pango libraries are missing
        raise InputError(f"PDF output needs WeasyPrint and Pango: {exc}") from None
    page = weasyprint.CSS(string=f"@page {{ size: {paper}; margin: 14mm 12mm; }}")
    return weasyprint.HTML(string=html).write_pdf(stylesheets=[page])


def write_report(
    report: Report, html: str | None = None, pdf: str | None = None, paper: str = "A4"
) -> dict[str, str]:
    """Write the report to the files named (HTML, PDF); returns {"html": path, "pdf": path}.
    A file in a folder that does not exist is refused before anything is written."""
    from pathlib import Path

    for flag, name in (("--html", html), ("--pdf", pdf)):
        if name and not Path(name).resolve().parent.is_dir():
            raise InputError(f"{flag}: the folder of {name!r} does not exist")
    text = render_html(report)
    written = {}
    if html:
        Path(html).write_text(text, encoding="utf-8")
        written["html"] = str(html)
    if pdf:
        Path(pdf).write_bytes(render_pdf(text, paper=paper))
        written["pdf"] = str(pdf)
    return written
