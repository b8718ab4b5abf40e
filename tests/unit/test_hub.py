"""The hub: one threshold-free table per dataset and as-of, status a view on it, one CLV fit."""

from __future__ import annotations

import csv
import importlib
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core import clv
from core.hub import customer_metrics, customer_table, with_status
from core.ingest import load_orders

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "orders.csv"
AS_OF = date(2026, 6, 18)  # the sample's last order
clv_fit = importlib.import_module("core.clv.fit")  # the module (core.clv.fit is also a function)


@pytest.fixture(scope="module")
def orders() -> pl.DataFrame:
    return load_orders(SAMPLE).orders


def _counting(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = clv_fit.fit_bgnbd

    def counted(s):
        calls.append(1)
        return real(s)

    monkeypatch.setattr(clv_fit, "fit_bgnbd", counted)
    return calls


def test_threshold_change_does_not_refit_clv(orders, monkeypatch):
    calls = _counting(monkeypatch)
    metrics = customer_metrics(orders, as_of=AS_OF)
    assert len(calls) == 1 and "status" not in metrics.columns
    views = [with_status(metrics, c, r) for c, r in ((90, 60), (120, 30), (30, 30), (365, 0))]
    assert len(calls) == 1  # four thresholds, still the one fit
    # the view is the same table customer_table builds for those thresholds
    # (sums of the same floats in another order differ in the 15th digit and the
    # optimiser ends a hair apart: compare to 1e-6)
    built = customer_table(orders, as_of=AS_OF, churn_days=120, at_risk_days=30)
    assert_frame_equal(views[1], built, check_exact=False, rel_tol=1e-6)
    # and its status follows SPEC: churned when recency > 120, at risk when 30 < recency <= 120
    r = views[1]["recency_days"]
    counts = views[1]["status"].value_counts()
    got = dict(zip(counts["status"], counts["count"], strict=True))
    assert got["churned"] == (r > 120).sum()
    assert got["at_risk"] == ((r > 30) & (r <= 120)).sum()


def test_status_view_rejects_bad_thresholds(orders):
    from core.errors import InputError

    metrics = customer_metrics(orders.head(500), with_clv=False)
    with pytest.raises(InputError, match="must not exceed"):
        with_status(metrics, 30, 60)


def _cli_clv(path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "core", "clv", str(path), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_one_clv_fit_for_cli_table_and_churn_page(orders, monkeypatch, tmp_path):
    """The `clv` command, the Churn page's diagnostics and the customer table use one fit, on
    kept lines: the same parameters as a fit on the file without its returned and cancelled
    lines (written here with the csv module)."""
    fitted = []
    real = clv_fit.fit_bgnbd
    monkeypatch.setattr(clv_fit, "fit_bgnbd", lambda s: fitted.append(real(s)) or fitted[-1])
    customer_table(orders, as_of=AS_OF)
    table_fit = fitted[-1]

    cli = _cli_clv(SAMPLE)["bgnbd"]
    page, _ = clv.fit_diagnostics(orders, AS_OF, "days")
    with SAMPLE.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    kept = [r for r in rows if r["Status"].lower() not in ("returned", "cancelled")]
    assert 0 < len(kept) < len(rows)
    path = tmp_path / "kept.csv"
    with path.open("w", newline="") as fh:
        cols = [c for c in rows[0] if c != "Status"]
        w = csv.DictWriter(fh, cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(kept)
    by_hand = _cli_clv(path)["bgnbd"]
    for key in ("r", "alpha", "a", "b"):
        assert cli[key] == pytest.approx(getattr(table_fit, key), rel=1e-9), key
        assert page["bgnbd"][key] == pytest.approx(cli[key], rel=1e-9), key
        assert by_hand[key] == pytest.approx(cli[key], rel=1e-6), key
