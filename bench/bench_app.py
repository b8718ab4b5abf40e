"""Time the app itself: the Overview on the sample data, first run and warm runs.

The foundation's target: after the first run (caches warm), loading the sample and showing the
Overview takes under 2 s. Run from the repository root: `python bench/bench_app.py`.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [
    "views/overview.py",
    "views/sales.py",
    "views/customers.py",
    "views/churn.py",
    "views/insights.py",
    "views/experiments.py",
    "views/data.py",
]


def run(page: str) -> float:
    t = time.perf_counter()
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=300)
    at.run()
    if page != "views/overview.py":
        at.switch_page(page)
        at.run()
    if at.exception:
        sys.exit(f"{page}: {at.exception[0].value}")
    return time.perf_counter() - t


def main() -> None:
    print(f"{'page':28} {'first run':>10} {'warm (median of 3)':>20}")
    for page in PAGES:
        first = run(page)
        warm = statistics.median(run(page) for _ in range(3))
        print(f"{page:28} {first:9.2f}s {warm:19.2f}s")


if __name__ == "__main__":
    main()
