"""The action plan on a small customer table with hand-computed answers: the expected
incremental revenue formula, doubling an assumed uplift, cost per contact, an experiment-linked
uplift and its interval, the holdout, who responds, best action per customer, the fallback."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import polars as pl
import pytest
from scipy import stats

from core import plan as P
from core.model.errors import InputError
from core.plan import _deps
from core.rules import Rule, evaluate

AS_OF = date(2026, 6, 30)

# Five customers. Rules: "Win back" (recency >= 100, priority 90), "Nurture" (orders >= 2, 50).
# a: recency 200, 1 order  -> Win back        b: recency 150, 3 orders -> Win back (also Nurture)
# c: recency 120, 1 order  -> Win back        d: recency 10, 4 orders  -> Nurture
# e: recency 20, 1 order   -> no rule
TABLE = pl.DataFrame(
    {
        "customer_id": ["a", "b", "c", "d", "e"],
        "recency_days": [200, 150, 120, 10, 20],
        "orders": [1, 3, 1, 4, 1],
        "revenue": [100.0, 600.0, 80.0, 900.0, 40.0],
        "status": ["churned", "churned", "churned", "active", "active"],
    }
)
# chance of buying again p, value at stake V (expected revenue over the horizon), next order
# value S; expected revenue if they buy R = V / p.
VALUE = P.CustomerValue(
    pl.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e"],
            "p_buy": [0.2, 0.5, 0.9, 0.8, 0.4],
            "value_at_stake": [40.0, 300.0, 450.0, 800.0, 20.0],
            "spend_per_order": [50.0, 100.0, 120.0, 150.0, 30.0],
        }
    ),
    365,
    P.MODEL,
)
RULES = [
    Rule(
        "Win back",
        "recency_days >= 100",
        "Send a win-back offer",
        "Gone {recency_days}",
        "High",
        90,
    ),
    Rule("Nurture", "orders >= 2", "Loyalty perks", "", "Low", 50),
]


def _plan(**kw):
    return P.build_plan(TABLE, RULES, VALUE, as_of=AS_OF, **kw)


def _row(plan, rule: str) -> dict:
    return plan.actions.filter(pl.col("rule") == rule).row(0, named=True)


def test_incremental_revenue_is_the_formula_with_the_cap():
    u = 0.2
    plan = _plan(uplifts={"Win back": P.assumed(u)})
    # by hand: (min(p (1 + u), 1) - p) x V / p over a, b, c
    # a: 0.2 -> 0.24, +0.04 x 200 = 8;  b: 0.5 -> 0.6, +0.1 x 600 = 60;
    # c: 0.9 -> 1.08 capped at 1, +0.1 x 500 = 50
    expected = 8.0 + 60.0 + 50.0
    row = _row(plan, "Win back")
    assert row["customers"] == 3
    assert row["expected_incremental_revenue"] == pytest.approx(expected, rel=1e-12)
    assert row["value_at_stake"] == pytest.approx(40 + 300 + 450)
    assert row["baseline_return_rate"] == pytest.approx((0.2 + 0.5 + 0.9) / 3)
    # an assumption has no interval and says so
    assert row["uplift_source"] == "assumption"
    assert row["expected_incremental_revenue_low"] == row["expected_incremental_revenue_high"]
    # the same sum, written as the issue states it, from the plan's own per-customer rows
    c = plan.customers.filter(pl.col("rule") == "Win back").sort("customer_id")
    by_hand = sum(
        (min(p * (1 + u), 1) - p) * v / p
        for p, v in zip(c["p_buy"], c["value_at_stake"], strict=True)
    )
    assert by_hand == pytest.approx(expected)


def test_doubling_an_assumed_uplift_doubles_it_below_the_cap():
    # Nurture: b (p 0.5) and d (p 0.8); with u = 0.1 and 0.2 both stay below the cap (0.96 < 1)
    one = _row(_plan(uplifts={"Nurture": P.assumed(0.1)}), "Nurture")
    two = _row(_plan(uplifts={"Nurture": P.assumed(0.2)}), "Nurture")
    # b is Win back's (higher priority): Nurture has d only: 0.1 x 800 = 80
    assert one["customers"] == 1
    assert one["expected_incremental_revenue"] == pytest.approx(80.0)
    assert two["expected_incremental_revenue"] == pytest.approx(2 * 80.0)


def test_cost_per_contact_lowers_net_gain_by_customers_times_cost():
    free = _row(_plan(), "Win back")
    paid = _row(_plan(costs={"Win back": P.Costs(per_contact=2.5)}), "Win back")
    assert free["net_gain"] - paid["net_gain"] == pytest.approx(3 * 2.5)
    assert paid["cost"] == pytest.approx(7.5)
    assert paid["roi"] == pytest.approx(paid["net_gain"] / 7.5)
    assert free["roi"] is None  # nothing spent: no return on spend


def test_offer_cost_is_its_share_of_the_orders_it_is_used_on():
    u = 0.1
    row = _row(
        _plan(uplifts={"Nurture": P.assumed(u)}, costs={"Nurture": P.Costs(0, 0.1)}), "Nurture"
    )
    # d: chance with the action 0.8 x 1.1 = 0.88, next order 150: 0.1 x 0.88 x 150 = 13.2
    assert row["cost"] == pytest.approx(13.2)
    assert row["net_gain"] == pytest.approx(80.0 - 13.2)


def test_actions_are_ranked_by_net_gain():
    plan = _plan(uplifts={"Win back": P.assumed(0.01), "Nurture": P.assumed(0.5)})
    gains = plan.actions["net_gain"].to_list()
    assert gains == sorted(gains, reverse=True)
    assert plan.actions["rule"][0] == "Nurture"


# ---------------------------------------------------------------- experiment-linked uplift
def _experiment(conv_a: int, conv_b: int, n: int = 100, segment=None) -> pl.DataFrame:
    ids = [f"u{i}" for i in range(2 * n)]
    return pl.DataFrame(
        {
            "customer_id": ids,
            "group": ["A"] * n + ["B"] * n,
            "retained": [1] * conv_a + [0] * (n - conv_a) + [1] * conv_b + [0] * (n - conv_b),
        }
    )


def test_experiment_linked_action_carries_its_relative_lift_and_interval():
    exp = _deps.from_frame(_experiment(20, 30), name="offer.csv")
    up = P.measure(exp, P.ExperimentLink("A", "B", name="offer.csv"))
    # by hand: rates 0.2 and 0.3, relative lift 0.5; delta-method SE with Bernoulli variances
    # p (1 - p) (as gbstats), Welch degrees of freedom
    n = 100
    va, vb = 0.2 * 0.8, 0.3 * 0.7
    se = math.sqrt(vb / (n * 0.2**2) + va * 0.3**2 / (n * 0.2**4))
    dof = (va / n + vb / n) ** 2 / ((va / n) ** 2 / (n - 1) + (vb / n) ** 2 / (n - 1))
    half = stats.t.ppf(0.975, dof) * se
    assert up.source == "experiment"
    assert up.relative == pytest.approx(0.5, rel=1e-12)
    assert (up.low, up.high) == pytest.approx((0.5 - half, 0.5 + half), rel=1e-9)
    row = _row(_plan(uplifts={"Nurture": up}), "Nurture")
    assert (row["uplift"], row["uplift_low"], row["uplift_high"]) == (up.relative, up.low, up.high)
    assert row["uplift_source"] == "experiment"
    # d (p 0.8, V 800): the chance is capped at 1 for u >= 0.25, so the added chance is 0.2
    # at the point estimate and the high end; at the low end it is 0.8 x low when below the cap
    low_added = min(0.8 * (1 + up.low), 1) - 0.8
    assert row["expected_incremental_revenue"] == pytest.approx(0.2 * 1000)
    assert row["expected_incremental_revenue_low"] == pytest.approx(low_added * 1000)
    assert row["expected_incremental_revenue_high"] == pytest.approx(0.2 * 1000)


def test_an_unknown_treatment_is_named():
    exp = _deps.from_frame(_experiment(20, 30))
    with pytest.raises(InputError, match="no variant 'C'"):
        P.measure(exp, P.ExperimentLink("A", "C"))


# ---------------------------------------------------------------- holdout
def test_holdout_is_reproducible_and_its_share_within_sampling_error():
    ids = pl.Series([f"C{i:06d}" for i in range(20_000)])
    first = P.holdout_flags(ids, 0.1, "plan-holdout:2026-06-30")
    again = P.holdout_flags(ids, 0.1, "plan-holdout:2026-06-30")
    assert first.to_list() == again.to_list()
    share = first.mean()
    assert abs(share - 0.1) < 4 * math.sqrt(0.1 * 0.9 / ids.len())
    other = P.holdout_flags(ids, 0.1, "plan-holdout:2026-07-31")
    assert other.to_list() != first.to_list()  # a later plan draws a new holdout
    # a customer's flag does not depend on who else is in the list
    assert (
        P.holdout_flags(ids[:100], 0.1, "plan-holdout:2026-06-30").to_list()
        == first[:100].to_list()
    )


def test_plan_marks_a_holdout_per_customer():
    plan = _plan(holdout=0.5)
    assert plan.customers["holdout"].dtype == pl.Boolean
    assert P.export_rows(plan).columns == list(P.EXPORT_COLUMNS)
    with pytest.raises(InputError, match="holdout"):
        _plan(holdout=1.5)


def test_outcome_experiment_retained_within_the_window():
    assignments = pl.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "rule": ["Win back"] * 4,
            "holdout": [False, False, True, True],
        }
    )
    newer = pl.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "a"],
            "order_date": [
                date(2026, 7, 10),  # a: within 30 days of the send date -> retained
                date(2026, 8, 15),  # b: after the window -> not retained
                date(2026, 6, 30),  # c: on the send date itself -> not after it
                date(2026, 7, 30),  # d: the last day of the window -> retained
                date(2026, 7, 20),
            ],
            "revenue": [10.0, 20.0, 30.0, 40.0, 5.0],
        }
    )
    exp, notes = P.outcome_experiment(assignments, newer, date(2026, 6, 30), within_days=30)
    assert exp.to_dicts() == [
        {
            "customer_id": "a",
            "group": "treated",
            "retained": 1,
            "revenue": 15.0,
            "rule": "Win back",
        },
        {"customer_id": "b", "group": "treated", "retained": 0, "revenue": 0.0, "rule": "Win back"},
        {"customer_id": "c", "group": "holdout", "retained": 0, "revenue": 0.0, "rule": "Win back"},
        {
            "customer_id": "d",
            "group": "holdout",
            "retained": 1,
            "revenue": 40.0,
            "rule": "Win back",
        },
    ]
    assert notes == []
    # the A/B analysis reads it as a row-level experiment
    parsed = _deps.from_frame(exp)
    assert set(parsed.variants) == {"treated", "holdout"}
    _, notes = P.outcome_experiment(assignments, newer, date(2026, 6, 30), within_days=90)
    assert "before the end" in notes[0]


# ---------------------------------------------------------------- who responds
def test_segment_lifts_are_holm_corrected_and_narrow_the_rule():
    # segment X: A 20/100, B 45/100 (works); segment Y: A 20/100, B 21/100 (no effect)
    n = 100
    rows = []
    for seg, a, b in (("X", 20, 45), ("Y", 20, 21)):
        for grp, k in (("A", a), ("B", b)):
            rows += [(f"{seg}{grp}{i}", grp, int(i < k), seg) for i in range(n)]
    frame = pl.DataFrame(rows, schema=["customer_id", "group", "retained", "tier"], orient="row")
    table = frame.select("customer_id", pl.col("tier").alias("value_tier"))
    exp = _deps.from_frame(frame.drop("tier"))
    lifts = P.segment_lifts(exp, table, P.ExperimentLink("A", "B"), columns=["value_tier"])
    x = lifts.filter(pl.col("segment") == "X").row(0, named=True)
    y = lifts.filter(pl.col("segment") == "Y").row(0, named=True)
    assert x["relative_lift"] == pytest.approx(1.25)
    assert y["relative_lift"] == pytest.approx(0.05)
    # Holm with two tests: the smaller p doubled, the larger max(itself, that)
    assert x["p_adjusted"] == pytest.approx(min(1.0, 2 * x["p_value"]))
    assert y["p_adjusted"] == pytest.approx(max(y["p_value"], x["p_adjusted"]))
    assert x["works"] and not y["works"]
    (n_,) = P.narrowings(lifts, "recency_days >= 100")
    assert n_.condition == '(recency_days >= 100) and value_tier in ["X"]'
    assert n_.text.startswith("the offer lifts X by +125% [")
    assert n_.text.endswith("no clear effect on Y")
    # among customers who are all in X, nothing is left to narrow
    assert (
        P.narrowings(lifts, "recency_days >= 100", table.filter(pl.col("value_tier") == "X")) == []
    )


def test_segment_lifts_need_customer_ids():
    exp = _deps.from_frame(_experiment(20, 30))
    with pytest.raises(InputError, match="not customer ids"):
        P.segment_lifts(exp, TABLE, P.ExperimentLink("A", "B"))


# ---------------------------------------------------------------- best action per customer
def test_best_action_by_net_gain_differs_from_priority():
    # b (p 0.5, R 600) matches both: Win back (priority) adds 0.5 x 0.01 x 600 = 3,
    # Nurture 0.5 x 0.3 x 600 = 90
    plan = _plan(uplifts={"Win back": P.assumed(0.01), "Nurture": P.assumed(0.3)})
    best = P.best_actions(TABLE, RULES, plan.params, VALUE)
    assert dict(zip(best["customer_id"], best["best_rule"], strict=True)) == {
        "a": "Win back",
        "b": "Nurture",
        "c": "Win back",
        "d": "Nurture",
    }
    summary, moves = P.compare_assignments(plan, best)
    assert summary["changed"] == 1
    assert summary["net_gain_by_best"] - summary["net_gain_by_priority"] == pytest.approx(90 - 3)
    assert moves.row(0, named=True) | {"gain": None} == {
        "from_rule": "Win back",
        "to_rule": "Nurture",
        "customers": 1,
        "net_gain_by_priority": pytest.approx(3.0),
        "net_gain_by_best": pytest.approx(90.0),
        "gain": None,
    }


def test_resolve_rule_by_name_action_or_a_unique_part():
    assert P.resolve_rule(RULES, "Win back") == "Win back"
    assert P.resolve_rule(RULES, "loyalty perks") == "Nurture"
    assert P.resolve_rule(RULES, "win-back") == "Win back"
    with pytest.raises(InputError, match="no rule or action"):
        P.resolve_rule(RULES, "nothing like it")


# ---------------------------------------------------------------- value at stake
def test_chance_to_buy_for_a_new_customer_is_the_gamma_poisson_zero():
    # x = 0, T = 0, alive: P(no purchase in t) = (alpha / (alpha + t)) ** r
    r, alpha, t = 0.8, 30.0, 365.0
    got = P.chance_to_buy(r, alpha, np.array([0.0]), np.array([0.0]), np.array([1.0]), t)
    assert got[0] == pytest.approx(1 - (alpha / (alpha + t)) ** r)
    # half as likely to be alive: half the chance
    half = P.chance_to_buy(r, alpha, np.array([0.0]), np.array([0.0]), np.array([0.5]), t)
    assert half[0] == pytest.approx(got[0] / 2)


def test_fallback_rates_by_status_one_horizon_ago():
    # as_of 2026-06-30, horizon 100 days: cut 2026-03-22 (data from 2025-06-01: span 394 days)
    # at the cut: p last ordered 2026-03-20 (recency 2: active), q 2025-12-01 (111: churned),
    # r 2025-06-01 (294: churned). After the cut p orders twice (50 + 70), q once (30), r never.
    orders = pl.DataFrame(
        {
            "customer_id": ["p", "q", "r", "p", "p", "q"],
            "order_id": ["1", "2", "3", "4", "5", "6"],
            "order_date": [
                date(2026, 3, 20),
                date(2025, 12, 1),
                date(2025, 6, 1),
                date(2026, 4, 1),
                date(2026, 5, 1),
                date(2026, 6, 1),
            ],
            "revenue": [10.0, 10.0, 10.0, 50.0, 70.0, 30.0],
        }
    )
    rates = P.status_rates(orders, AS_OF, 100).sort("status")
    assert rates.to_dicts() == [
        {"status": "active", "customers": 1, "p_buy": 1.0, "value": 120.0, "spend_per_order": 60.0},
        {"status": "churned", "customers": 2, "p_buy": 0.5, "value": 15.0, "spend_per_order": 30.0},
    ]


def test_customer_value_falls_back_when_the_model_cannot_be_fit():
    orders = pl.DataFrame(
        {
            "customer_id": ["p", "q", "p"],
            "order_id": ["1", "2", "3"],
            "order_date": [date(2025, 1, 1), date(2025, 6, 1), date(2026, 6, 1)],
            "revenue": [10.0, 20.0, 30.0],
        }
    )
    table = pl.DataFrame({"customer_id": ["p", "q"], "status": ["active", "churned"]})
    value = P.customer_value(table, orders, AS_OF, 365)
    assert value.source == P.FALLBACK
    assert "cannot be trusted" in value.note and "repeat customers" in value.note
    assert value.frame.columns == ["customer_id", "p_buy", "value_at_stake", "spend_per_order"]


# ---------------------------------------------------------------- recorded in the workspace
def test_a_recorded_plan_comes_back_from_the_workspace(tmp_path):
    from core.plan import record

    plan = _plan(holdout=0.5)
    db = tmp_path / "ws.db"
    assert record.plan_runs(db).height == 0  # nothing recorded: no file created either
    assert not db.exists()
    pid = record.record_plan(
        db, plan.customers, send_date=AS_OF, holdout=0.5, holdout_key=plan.holdout_key
    )
    runs = record.plan_runs(db)
    assert runs.select("plan_id", "send_date", "holdout", "customers", "held_out").to_dicts() == [
        {
            "plan_id": pid,
            "send_date": "2026-06-30",
            "holdout": 0.5,
            "customers": 4,
            "held_out": int(plan.customers["holdout"].sum()),
        }
    ]
    back = record.plan_assignments(db, pid)
    mine = plan.customers.select("customer_id", "rule", "action", "holdout").sort("customer_id")
    assert back.to_dicts() == mine.to_dicts()
    with pytest.raises(InputError, match="no recorded plan 99"):
        record.plan_assignments(db, 99)


def test_a_numeric_attribute_narrows_to_a_range_of_its_bins():
    # ages 1..80, 10 customers per age in each group; quartile edges of 1..80 (linear, floored
    # for whole numbers): 20, 40, 60 -> bins 1-20, 21-40, 41-60, 61-80. The offer works above 60.
    rows = []
    for age in range(1, 81):
        for grp in ("A", "B"):
            k = 5 if (grp == "B" and age > 60) else 2
            rows += [(f"{grp}{age}-{i}", grp, int(i < k), age) for i in range(10)]
    frame = pl.DataFrame(rows, schema=["customer_id", "group", "retained", "age"], orient="row")
    table = frame.select("customer_id", "age")
    exp = _deps.from_frame(frame.drop("age"))
    lifts = P.segment_lifts(exp, table, P.ExperimentLink("A", "B"), columns=["age"])
    assert lifts["segment"].to_list() == ["1-20", "21-40", "41-60", "61-80"]
    top = lifts.filter(pl.col("segment") == "61-80").row(0, named=True)
    assert top["relative_lift"] == pytest.approx(0.5 / 0.2 - 1)  # 100/200 vs 40/200
    assert lifts.filter(pl.col("works"))["segment"].to_list() == ["61-80"]
    (n_,) = P.narrowings(lifts, "orders >= 1", table, table)
    assert n_.condition == "(orders >= 1) and age > 60"
    # the narrowed condition is one the rules accept, and it keeps exactly the customers over 60
    narrowed = Rule("x", n_.condition, "y")
    kept = evaluate(table.with_columns(revenue=pl.lit(1.0), orders=pl.lit(1)), [narrowed]).insights
    assert kept.height == frame.filter(pl.col("age") > 60).height


def test_a_plan_can_assign_by_expected_net_gain():
    uplifts = {"Win back": P.assumed(0.01), "Nurture": P.assumed(0.3)}
    plan = _plan(uplifts=uplifts, by="best")
    rows = plan.customers.sort("customer_id")
    assert dict(zip(rows["customer_id"], rows["rule"], strict=True)) == {
        "a": "Win back",
        "b": "Nurture",  # 90 by Nurture against 3 by Win back (priority)
        "c": "Win back",
        "d": "Nurture",
    }
    # each reason is its own rule's: b's comes from Nurture's (empty) template
    assert rows.filter(pl.col("customer_id") == "a")["reason"].item() == "Gone 200 days"
    assert rows.filter(pl.col("customer_id") == "b")["reason"].item() == ""
    by_priority = _plan(uplifts=uplifts)
    assert plan.actions["net_gain"].sum() - by_priority.actions["net_gain"].sum() == pytest.approx(
        90 - 3
    )


def test_one_actions_export_holds_its_customers_only():
    plan = _plan()
    rows = P.export_rows(plan, "Win back")
    assert sorted(rows["customer_id"]) == ["a", "b", "c"]
    assert set(rows["uplift_source"]) == {"assumption"}
    assert P.export_rows(plan).height == 4


def test_groups_without_any_spread_are_not_offered_for_a_test():
    assignments = pl.DataFrame(
        {"customer_id": ["a", "b", "c"], "rule": ["r"] * 3, "holdout": [False, False, True]}
    )
    everyone = pl.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "order_date": [date(2026, 7, 1)] * 3,
            "revenue": [1.0, 2.0, 3.0],
        }
    )
    frame, notes = P.outcome_experiment(assignments, everyone, date(2026, 6, 30), 30)
    assert frame["retained"].to_list() == [1, 1, 1]
    assert not P.comparable(frame)
    assert any("no spread" in n for n in notes)
    some = everyone.filter(pl.col("customer_id") != "b")
    frame, _ = P.outcome_experiment(assignments, some, date(2026, 6, 30), 30)
    assert P.comparable(frame)
