"""`python -m core clv`: the published CDNOW fit end to end, the bundled sample, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "core", "clv", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_reproduces_published_cdnow_fit(tmp_path):
    # CDNOW_sample.txt rewritten as a plain orders CSV (sample id, date, dollar amount)
    lines = (ROOT / "tests/data/CDNOW_sample.txt").read_text().split("\n")
    rows = ["customer_id,order_date,revenue"]
    for line in filter(None, (raw.split() for raw in lines)):
        _, cid, day, _, amount = line
        rows.append(f"{int(cid)},{day[:4]}-{day[4:6]}-{day[6:]},{amount}")
    orders = tmp_path / "cdnow.csv"
    orders.write_text("\n".join(rows) + "\n")

    done = _run(str(orders), "--as-of", "1997-09-30", "--unit", "weeks", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["unit"] == "weeks" and out["customers"] == 2357 and out["repeat_customers"] == 946
    bg, gg = out["bgnbd"], out["gamma_gamma"]
    # Fader, Hardie & Lee (2005): r 0.243, alpha 4.414, a 0.793, b 2.426; note 025: p, q, v
    assert [bg["r"], bg["alpha"], bg["a"], bg["b"]] == pytest.approx(
        [0.243, 4.414, 0.793, 2.426], abs=1.5e-3
    )
    assert [gg["p"], gg["q"], gg["v"]] == pytest.approx([6.25, 3.74, 15.44], abs=1.5e-2)


def test_cli_bundled_sample_days_and_weeks():
    days, weeks = (_run("data/orders.csv", "--unit", u, "--json") for u in ("days", "weeks"))
    assert days.returncode == 0 and weeks.returncode == 0, days.stderr + weeks.stderr
    d, w = json.loads(days.stdout), json.loads(weeks.stdout)
    assert set(d) >= {"unit", "customers", "bgnbd", "gamma_gamma", "repeat_customers"}
    assert 0 < d["repeat_customers"] <= d["customers"]
    # time only rescales alpha: alpha in days = 7 x alpha in weeks, the rest unchanged
    assert d["bgnbd"]["alpha"] == pytest.approx(7 * w["bgnbd"]["alpha"], rel=1e-4)
    for key in ("r", "a", "b"):
        assert d["bgnbd"][key] == pytest.approx(w["bgnbd"][key], rel=1e-4)


def test_cli_too_few_repeat_customers(tmp_path):
    orders = tmp_path / "tiny.csv"
    orders.write_text(
        "customer_id,order_date,revenue\nA,2024-01-01,10\nA,2024-02-01,20\nB,2024-01-05,5\n"
    )
    done = _run(str(orders), "--json")
    assert done.returncode == 2
    assert done.stderr.startswith("error:") and "repeat customers" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
