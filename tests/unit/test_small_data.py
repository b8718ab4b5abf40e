"""Relative scores on small data: RFM quintiles on 38 customers, and the default rules, which
must never contradict a customer's own status (active / at risk / churned by days since the
last order).

tests/data/small_shop_38_customers.csv: every customer ordered within the last 12 days, so
all are active; expected values are read from the file with the csv module.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from core import segments
from core.hub import customer_table
from core.ingest import load_orders
from core.rules import default_rules, evaluate

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "small_shop_38_customers.csv"
SAMPLE = ROOT / "data" / "orders.csv"

# what each default rule promises about the customer's status (None: no promise)
ALLOWED_STATUS: dict[str, set[str] | None] = {
    "Cannot Lose Them": {"at_risk", "churned"},  # a personal win-back
    "Reactivate inactive": {"at_risk", "churned"},  # "inactive for N days"
    "VIP retention": {"active"},  # "no discount needed"
    "At-risk reminder": {"at_risk"},
    "Discount-sensitive": {"active", "at_risk"},
    "High returns": None,
    "Second-order nudge": None,
    "Grow potential loyalists": None,
}


def _recency_by_hand() -> dict[str, int]:
    with SMALL.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    last: dict[str, date] = {}
    for r in rows:
        d = date.fromisoformat(r["order_date"])
        last[r["customer_id"]] = max(last.get(r["customer_id"], d), d)
    as_of = max(last.values())
    return {c: (as_of - d).days for c, d in last.items()}


@pytest.fixture(scope="module")
def small() -> pl.DataFrame:
    return customer_table(load_orders(SMALL).orders)


def test_small_file_is_all_active_but_quintiles_call_some_lost(small):
    recency = _recency_by_hand()
    assert small.height == len(recency) == 38 and max(recency.values()) == 12
    assert set(small["status"]) == {"active"}  # 12 <= 60 days
    seg = dict(zip(small["customer_id"], small["rfm_segment"], strict=True))
    # the relative scores: ordered 10-12 days ago, yet "Lost"; 8-9 days, "Cannot Lose Them"
    assert [seg[c] for c in ("C35", "C36", "C37", "C38")] == ["Lost"] * 4
    assert [seg[c] for c in ("C31", "C32", "C33", "C34")] == ["Cannot Lose Them"] * 4
    assert recency["C35"] == 10 and recency["C31"] == 8


def test_small_data_says_scores_are_relative(small):
    note = segments.relative_scores_note(small)
    assert note.startswith("Only 38 customers: RFM scores are relative")
    quiet = [s for s in small["rfm_segment"] if s in segments.rfm.QUIET_SEGMENTS]
    assert f"{len(quiet)} of the {len(quiet)} customers in those segments are active" in note
    big = pl.DataFrame({"rfm_segment": ["Lost"] * 300, "status": ["active"] * 300})
    assert segments.relative_scores_note(big) is None


@pytest.mark.parametrize("path", [SMALL, SAMPLE], ids=["38 customers", "sample"])
def test_no_default_rule_contradicts_the_status(path):
    table = customer_table(load_orders(path).orders)
    result = evaluate(table, default_rules())
    assert not result.errors
    got = result.insights.join(table.select("customer_id", "status"), on="customer_id")
    assert set(got["rule"]) <= set(ALLOWED_STATUS)
    for rule, allowed in ALLOWED_STATUS.items():
        if allowed is None:
            continue
        statuses = set(got.filter(pl.col("rule") == rule)["status"])
        assert statuses <= allowed, (rule, statuses)


def test_nobody_who_ordered_last_week_gets_a_win_back(small):
    result = evaluate(small, default_rules())
    rules = dict(zip(result.insights["customer_id"], result.insights["rule"], strict=True))
    for c in ("C31", "C32", "C33", "C34"):
        assert rules.get(c) != "Cannot Lose Them"
