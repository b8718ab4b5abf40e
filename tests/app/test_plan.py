"""AppTest: the Action plan page on the sample data. The bundled experiment measures the
reactivation action (176/1000 vs 238/1000 retained: +35.2% relative), the actions are ranked by
net gain, a narrowing found by "who responds" is applied to the rule in one click, and a recorded
plan is measured and sent to the A/B page."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from core.rules import default_rules
from tests.app.conftest import assert_no_exception, run_page


@pytest.fixture(autouse=True)
def private_by_default(monkeypatch):
    """No shared workspace configured: each session gets its own private one."""
    monkeypatch.delenv("CUSTOMER_PULSE_DB", raising=False)


def _ranked(at) -> pl.DataFrame:
    frame = next(df.value for df in at.dataframe if "net_gain_interval" in df.value.columns)
    return pl.from_pandas(frame)


def test_actions_are_ranked_with_the_experiment_linked_to_reactivation():
    at = run_page("views/plan.py")
    assert_no_exception(at)
    assert at.title[0].value == "Action plan"
    assert at.selectbox(key="plan_link_rule").value == "Reactivate inactive"
    labels = [m.label for m in at.metric]
    assert {"Customers with an action", "Incremental revenue", "Expected net gain"} <= set(labels)
    ranked = _ranked(at)
    gains = ranked["net_gain"].to_list()
    assert gains == sorted(gains, reverse=True)
    react = ranked.filter(pl.col("rule") == "Reactivate inactive").row(0, named=True)
    # 238 / 176 - 1 = +35.2%, with the experiment's interval, labelled as measured
    assert react["uplift"].startswith("+35.2% [") and react["uplift"].endswith("(experiment)")
    assert " to " in react["net_gain_interval"]
    others = ranked.filter(pl.col("rule") != "Reactivate inactive")
    assert all(u.endswith("(assumption)") for u in others["uplift"])
    assert others["net_gain_interval"].null_count() == others.height  # no interval to assume
    assert not at.error


def test_without_an_experiment_every_uplift_is_an_assumption():
    at = run_page("views/plan.py")
    at.selectbox(key="plan_link_rule").set_value("(no experiment)").run()
    assert_no_exception(at)
    ranked = _ranked(at)
    assert all(u == "+10.0% (assumption)" for u in ranked["uplift"])
    assert "Every uplift is an assumption" in " ".join(c.value for c in at.caption)


def test_a_narrowing_is_applied_to_the_rule_in_one_click():
    at = run_page("views/plan.py")
    at.selectbox(key="plan_split").set_value("Gender").run()
    assert_no_exception(at)
    before = next(r for r in default_rules() if r.name == "Reactivate inactive").condition
    (apply,) = [b for b in at.button if b.key == "plan_apply"]
    apply.click().run()
    assert_no_exception(at)
    rule = next(r for r in at.session_state["ir_rules"] if r.name == "Reactivate inactive")
    assert rule.condition == f'({before}) and Gender in ["M"]'
    assert any("now reads" in s.value for s in at.success)
    # the Insight rules page edits the narrowed rule, and can undo it
    at.switch_page("views/insights.py").run()
    assert_no_exception(at)
    assert at.session_state["ir_undo"][-1][1].condition == before


def test_a_recorded_plan_is_measured_and_sent_to_the_ab_page():
    at = run_page("views/plan.py")
    next(b for b in at.button if b.key == "plan_record").click().run()
    assert_no_exception(at)
    assert any("Recorded as plan 1" in s.value for s in at.success)
    at.date_input(key="plan_sent").set_value(date(2026, 3, 1)).run()
    assert_no_exception(at)
    outcome = next(pl.from_pandas(df.value) for df in at.dataframe if "group" in df.value.columns)
    assert sorted(outcome["group"]) == ["holdout", "treated"]
    held = outcome.filter(pl.col("group") == "holdout")["customers"].item()
    total = outcome["customers"].sum()
    assert abs(held / total - 0.1) < 4 * (0.1 * 0.9 / total) ** 0.5
    next(b for b in at.button if b.key == "plan_to_ab").click().run()
    assert_no_exception(at)
    assert at.title[0].value == "A/B test"
    assert any("sent from the Action plan" in c.value for c in at.caption)


def test_an_untrusted_clv_fit_falls_back_to_the_status_and_says_so(tmp_path):
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP
    from tests.unit.test_clv_quality import ORDERS  # nobody ever leaves: P(alive) ~100%
    from views.loading import Dataset, Source

    path = tmp_path / "never_leaving.csv"
    ORDERS.write_csv(path)
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["dataset"] = Dataset("upload", Source.bundled("never_leaving.csv", path))
    at.run()
    at.switch_page("views/plan.py").run()
    assert_no_exception(at)
    warning = next(w.value for w in at.warning if "cannot be trusted" in w.value)
    assert "come from the status instead" in warning
    assert at.title[0].value == "Action plan"
