"""Screenshot every page and tab of the app in Chromium, on the sample and on an uploaded export,
at desktop (1440 px) and phone (390 px) width, to look at before calling a change done.

    python scripts/screenshots.py [OUT_DIR] [--only sales,churn] [--widths 1440,390]

The uploaded export is made from the sample: six months of it, renamed and reformatted the way a
shop platform writes it (day-first dates, amounts with a currency sign, an e-mail as customer).
Files are named <data>_<width>_<page>[_<tab>].png. Needs /usr/bin/chromium (see tests/e2e).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import ARGS, CHROMIUM, start_server, wait_idle  # noqa: E402

PAGES = ["", "sales", "customers", "churn", "insights", "plan", "experiments", "data", "glossary"]


def export_file(folder: Path) -> Path:
    """Six months of the sample as a shop platform would export them."""
    sample = pl.read_csv(ROOT / "data" / "orders.csv", infer_schema_length=0)
    recent = sample.filter(pl.col("Order Date") >= "2025-12-10")
    out = recent.select(
        pl.col("Order ID").alias("Order Number"),
        pl.col("Order Date")
        .str.strptime(pl.Date, "%Y-%m-%d")
        .dt.strftime("%d/%m/%Y")
        .alias("Paid at"),
        (pl.col("Customer ID").str.to_lowercase() + "@example.com").alias("Email"),
        pl.col("Product").alias("Lineitem name"),
        pl.col("Category").alias("Product type"),
        pl.col("Region").alias("Shipping Province"),
        pl.col("Quantity").alias("Lineitem quantity"),
        ("€" + pl.col("Line Total")).alias("Total"),
        pl.col("Status").alias("Fulfillment Status"),
    )
    path = folder / "shop_export.csv"
    out.write_csv(path)
    return path


def full_page(page, path: Path) -> None:
    height = page.evaluate(
        """() => Math.max(...[...document.querySelectorAll('[data-testid="stMain"], section')]
            .map(e => e.scrollHeight), document.body.scrollHeight)"""
    )
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 9000)})
    page.wait_for_timeout(900)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)


def shoot(page, url: str, name: str, out: Path) -> list[Path]:
    page.goto(url)
    page.locator("h1").first.wait_for(timeout=120_000)
    wait_idle(page)
    page.wait_for_timeout(800)
    shots = [out / f"{name}.png"]
    full_page(page, shots[0])
    tabs = page.locator('[data-testid="stMain"] [role="tab"]')
    labels = [t.strip() for t in tabs.all_inner_texts()]
    for i, label in enumerate(labels[1:], start=1):
        tabs.nth(i).click()
        wait_idle(page)
        page.wait_for_timeout(600)
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        shots.append(out / f"{name}_{slug}.png")
        full_page(page, shots[-1])
    return shots


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?", default="screenshots")
    ap.add_argument("--only", default="")
    ap.add_argument("--widths", default="1440,390")
    ap.add_argument("--data", default="sample,upload")
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    pages = [p for p in PAGES if not a.only or (p or "overview") in a.only.split(",")]
    from playwright.sync_api import sync_playwright

    proc, base = start_server()
    tmp = tempfile.TemporaryDirectory()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            for data in a.data.split(","):
                for width in [int(w) for w in a.widths.split(",")]:
                    ctx = browser.new_context(viewport={"width": width, "height": 900})
                    page = ctx.new_page()
                    page.set_default_timeout(120_000)
                    if data == "upload":
                        page.goto(f"{base}/data")
                        wait_idle(page)
                        drop = page.locator('[data-testid="stFileUploaderDropzoneInput"]').first
                        drop.set_input_files(str(export_file(Path(tmp.name))))
                        page.get_by_text("Using your file").wait_for()
                        wait_idle(page)
                    token = re.search(r"[?&]data=([^&]+)", page.url)
                    query = f"?data={token.group(1)}" if token else ""
                    for p in pages:
                        name = f"{data}_{width}_{p or 'overview'}"
                        for shot in shoot(page, f"{base}/{p}{query}", name, out):
                            print(shot)
                    ctx.close()
            browser.close()
    finally:
        proc.terminate()
        tmp.cleanup()


if __name__ == "__main__":
    main()
