"""Loopback load test: many simultaneous browser sessions against one local server, with the
server's memory recorded (not a test; run by hand from the repository root).

    python bench/load_test.py                       # 20 sessions on the sample, switching pages
    python bench/load_test.py --sessions 5 --pages overview sales
    python bench/load_test.py --upload big.csv --sessions 2   # memory per session of an upload

Each session is a Chromium context (Playwright, Debian's /usr/bin/chromium) that opens the app,
then moves through the pages with the sidebar links (one session, no reload), and fails on any
exception box. All sessions run at once. The server is started here on 127.0.0.1 and stopped at
the end; nothing else is contacted. Bounded: at most 30 sessions and --timeout seconds in all.

Memory: the server's resident set size (VmRSS of its process), sampled every 0.2 s. One session
runs alone first (imports, shared sample caches), then the baseline is taken; then --rounds
rounds of --sessions simultaneous sessions, each round measured once all its sessions have
loaded and again after they closed. Per session = (loaded - baseline) / sessions. A second round
that needs no more memory than the first shows that closed sessions gave back what they held.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import ARGS, CHROMIUM, start_server  # noqa: E402
from views.pages import TITLES  # noqa: E402

MAX_SESSIONS = 30
PAGES = {Path(f).stem: title for f, title in TITLES.items()}  # URL path: title
IDLE_JS = """() => {
    const busy = document.querySelector('[data-testid="stStatusWidget"]')
        || document.querySelector('[data-testid="stSkeleton"]');
    const ready = document.querySelector(
        '[data-testid="stMain"] [data-testid="stElementContainer"]');
    const now = Date.now();
    if (busy || !ready) { window.__idleSince = null; return false; }
    window.__idleSince = window.__idleSince || now;
    return now - window.__idleSince > 600;
}"""


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Sampler(threading.Thread):
    """Samples a process's memory until stopped; keeps the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0.0, True

    def run(self) -> None:
        while self.running:
            try:
                self.peak = max(self.peak, rss_mb(self.pid))
            except OSError:
                return
            time.sleep(0.2)


async def _idle(page, timeout_ms: float) -> None:
    await page.evaluate("window.__idleSince = null")
    await page.wait_for_function(IDLE_JS, timeout=timeout_ms, polling=100)


async def _errors(page) -> list[str]:
    boxes = page.locator('[data-testid="stException"]')
    return [await boxes.nth(i).inner_text() for i in range(await boxes.count())]


async def session(browser, url: str, pages: list[str], upload: Path | None, timeout_ms: float):
    """One visitor: open the app (upload a file first if asked), then visit each page."""
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await ctx.new_page()
    page.set_default_timeout(timeout_ms)
    problems: list[str] = []
    t0 = time.perf_counter()
    try:
        if upload is not None:
            await page.goto(f"{url}/data")
            await _idle(page, timeout_ms)
            dropzone = page.locator('[data-testid="stFileUploaderDropzoneInput"]').first
            await dropzone.set_input_files(str(upload))
            await page.get_by_text("Using your file").wait_for(timeout=timeout_ms)
            await _idle(page, timeout_ms)
        else:
            await page.goto(url)
            await _idle(page, timeout_ms)
        problems += [f"open: {e}" for e in await _errors(page)]
        for name in pages:
            link = page.locator('[data-testid="stSidebarNavLink"]').filter(has_text=PAGES[name])
            await link.first.click()
            await _idle(page, timeout_ms)
            problems += [f"{name}: {e[:200]}" for e in await _errors(page)]
    except Exception as exc:  # a timeout or a lost page counts as a failure of this session
        problems.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    return {"seconds": round(time.perf_counter() - t0, 1), "problems": problems, "ctx": ctx}


async def _round(browser, url: str, args) -> list[dict]:
    results = await asyncio.wait_for(
        asyncio.gather(
            *(
                session(browser, url, args.pages, args.upload, args.timeout * 1000)
                for _ in range(args.sessions)
            )
        ),
        timeout=args.timeout,
    )
    return list(results)


async def _close(results: list[dict]) -> None:
    for r in results:
        await r.pop("ctx").close()


def _settle(pid: int, seconds: float) -> float:
    """Wait for the server to end closed sessions; the memory at the end."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        time.sleep(1)
    return rss_mb(pid)


async def run(args) -> dict:
    from playwright.async_api import async_playwright

    proc, url = start_server()
    assert url.startswith("http://127.0.0.1:")
    sampler = Sampler(proc.pid)
    sampler.start()
    rounds, results = [], []
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            # one visitor first, alone, so imports and the shared sample caches are warm
            warm = await session(browser, url, args.pages, None, args.timeout * 1000)
            await _close([warm])
            baseline = _settle(proc.pid, args.settle)
            for _ in range(args.rounds):
                results = await _round(browser, url, args)
                loaded = rss_mb(proc.pid)
                await _close(results)
                after = _settle(proc.pid, args.settle)
                failed = [r for r in results if r["problems"]]
                rounds.append(
                    {
                        "failed_sessions": len(failed),
                        "problems": [p for r in failed for p in r["problems"]][:20],
                        "slowest_session_s": max(r["seconds"] for r in results),
                        "rss_all_loaded_mb": round(loaded),
                        "rss_after_close_mb": round(after),
                        "per_session_mb": round((loaded - baseline) / args.sessions),
                    }
                )
                print(json.dumps({"baseline": round(baseline), **rounds[-1]}), file=sys.stderr)
            await browser.close()
    finally:
        sampler.running = False
        proc.terminate()
        proc.wait(10)
    return {
        "sessions": args.sessions,
        "pages": args.pages,
        "upload": str(args.upload) if args.upload else None,
        "upload_mb": round(args.upload.stat().st_size / 2**20, 1) if args.upload else None,
        "rss_baseline_mb": round(baseline),
        "rss_peak_mb": round(sampler.peak),
        "rounds": rounds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    default_pages = ["sales", "customers", "churn", "insights"]
    parser.add_argument("--pages", nargs="+", choices=list(PAGES), default=default_pages)
    parser.add_argument("--upload", type=Path, help="each session uploads this orders file")
    parser.add_argument("--timeout", type=float, default=600, help="seconds for the whole run")
    parser.add_argument("--settle", type=float, default=20, help="seconds to wait after closing")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of --sessions sessions")
    args = parser.parse_args()
    if not 1 <= args.sessions <= MAX_SESSIONS:
        parser.error(f"--sessions takes 1 to {MAX_SESSIONS}")
    if not Path(CHROMIUM).exists():
        parser.error(f"Chromium not found at {CHROMIUM}")
    result = asyncio.run(run(args))
    print(json.dumps(result, indent=2))
    sys.exit(1 if any(r["failed_sessions"] for r in result["rounds"]) else 0)


if __name__ == "__main__":
    main()
