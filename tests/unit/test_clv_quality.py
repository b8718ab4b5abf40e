"""CLV fits that did not work say so: core.clv.fit_quality, and the callers' fallback.

The degenerate case: a one-year file of 300 customers who buy at very different rates and never
leave. The maximum-likelihood BG/NBD fit runs to the edge of its space (a -> 0: no customer
ever drops out), so P(alive) is ~100% for everyone, including customers silent for most of
the year. The expected silence figures are computed here from the raw rows in plain Python.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from core import clv
from core.hub import customer_table
from core.ingest import load_orders

ROOT = Path(__file__).resolve().parents[2]
START = date(2023, 1, 1)


def _never_leaving(seed: int = 1) -> pl.DataFrame:
    """300 customers, first order in the first 60 days, then Poisson purchases at a customer's
    own rate (Gamma(2, 1/60) per day: one every ~30 days on average, some far rarer) until the
    end of the year; nobody drops out."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(300):
        day, rate = float(rng.integers(0, 60)), rng.gamma(2, 1 / 60)
        while day < 365:
            rows.append((f"c{i}", START + timedelta(days=int(day)), round(rng.gamma(2, 50), 2)))
            day += rng.exponential(1 / rate)
    return pl.DataFrame(rows, schema=["customer_id", "order_date", "revenue"], orient="row")


ORDERS = _never_leaving()
AS_OF = ORDERS["order_date"].max()


def _long_silent_by_hand(rows: list[tuple], as_of: date) -> dict[str, int]:
    """Repeat customers silent longer than 90 days and than 3 x their own mean gap (days)."""
    days: dict[str, set[date]] = defaultdict(set)
    for cid, day, _ in rows:
        days[cid].add(day)
    out = {}
    for cid, ds in days.items():
        if len(ds) < 2:
            continue
        first, last = min(ds), max(ds)
        gap = (last - first).days / (len(ds) - 1)
        silence = (as_of - last).days
        if silence > max(90, 3 * gap):
            out[cid] = silence
    return out


def test_degenerate_fit_is_flagged_with_a_plain_reason():
    fitted = clv.fit(ORDERS, AS_OF)
    bg = fitted.bgnbd
    # the fit sees no drop-out: mean drop-out chance a / (a + b) is essentially 0
    assert bg.a / (bg.a + bg.b) < 1e-4 and "a" in bg.at_edge
    silent = _long_silent_by_hand(ORDERS.rows(), AS_OF)
    assert len(silent) >= 5
    # P(alive) by note 021: 1 / (1 + a / (b + x - 1) ((alpha + T) / (alpha + t_x)) ** (r + x))
    s = fitted.summary.filter(pl.col("customer_id").is_in(list(silent)))
    x, tx, T = (s[c].to_numpy() for c in ("frequency", "recency", "T"))
    odds = bg.a / (bg.b + x - 1) * ((bg.alpha + T) / (bg.alpha + tx)) ** (bg.r + x)
    assert (1 / (1 + odds) > 0.99).all()  # ~100% for customers silent most of the year
    q = clv.fit_quality(ORDERS, AS_OF)
    assert not q.ok and q.degenerate
    assert f"up to {max(silent.values()):,} days" in q.reason
    assert "does not tell active from lapsed customers" in q.reason


def test_untrusted_fit_leaves_p_alive_empty_and_status_by_threshold():
    out = clv.customer_clv(ORDERS, AS_OF)
    assert out.height == 300 and out["p_alive"].null_count() == 300
    assert out["expected_clv_365d"].null_count() == 300
    table = customer_table(ORDERS, as_of=AS_OF)
    assert table["p_alive"].null_count() == table.height
    # the threshold status stands: churned exactly when recency_days > 90
    churned = table.filter(pl.col("status") == "churned")["recency_days"]
    assert churned.len() > 0 and (churned > 90).all()


def test_clv_command_reports_the_trust(tmp_path):
    path = tmp_path / "orders.csv"
    ORDERS.write_csv(path)
    done = subprocess.run(
        [sys.executable, "-m", "core", "clv", str(path), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    trust = json.loads(done.stdout)["trust"]
    assert trust["ok"] is False and "near 100%" in trust["reason"]
    assert trust["fallback"].startswith("status")


def test_the_sample_and_cdnow_fits_are_trusted():
    orders = load_orders(ROOT / "data" / "orders.csv").orders
    q = clv.fit_quality(orders, orders["order_date"].max())
    assert q.ok and q.reason == "" and q.spend_ok
    lines = (ROOT / "tests/data/CDNOW_sample.txt").read_text().split("\n")
    rows = [line.split() for line in lines if line.strip()]
    cdnow = pl.DataFrame(
        {
            "customer_id": [r[1] for r in rows],
            "order_date": [date(int(r[2][:4]), int(r[2][4:6]), int(r[2][6:])) for r in rows],
            "revenue": [float(r[4]) for r in rows],
        }
    )
    assert clv.fit_quality(cdnow, date(1997, 9, 30)).ok


def test_too_few_repeat_customers_is_not_trusted_and_says_why():
    orders = ORDERS.group_by("customer_id").agg(pl.all().first())  # one order each
    q = clv.fit_quality(orders, AS_OF)
    assert not q.ok and "at least 20 repeat customers" in q.reason


def test_a_fit_that_did_not_converge_is_not_trusted():
    m = clv.BGNBD(r=0.24, alpha=4.4, a=0.79, b=2.4, converged=False)
    s = clv.summary(ORDERS, AS_OF)
    q = clv.bgnbd_quality(m, s)
    assert not q.ok and not q.converged and "did not converge" in q.reason


@pytest.mark.parametrize("unit", ["days", "weeks"])
def test_quality_does_not_depend_on_the_time_unit(unit):
    fitted = clv.fit(ORDERS, AS_OF, unit)
    assert not fitted.quality.ok and fitted.quality.degenerate
