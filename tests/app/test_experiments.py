"""AppTest: the A/B test page on the bundled experiment (176/1000 vs 238/1000)."""

from tests.app.conftest import assert_no_exception, run_page


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_sample_experiment_verdict_and_health():
    at = run_page("views/experiments.py")
    assert_no_exception(at)
    assert at.title[0].value == "A/B test"
    m = _metrics(at)
    # 176/1000 = 17.6%, 238/1000 = 23.8%; the decision is the relative test: p = 0.0034
    # (REL_P in tests/unit/experiments/hand.py)
    assert m["A (control)"] == "17.6%" and m["B"] == "23.8%"
    assert m["p-value"] == "0.0034"
    verdict = at.success[0].value
    assert "17.6%" in verdict and "23.8%" in verdict and "+35% relative" in verdict
    assert "The offer works" in verdict
    assert not at.error  # healthy: no failed check shown
    assert "Health checks" in [h.value for h in at.subheader]
    # the power calculator starts from the control rate: 7,631 per variant for +10% relative
    assert m["Units needed per variant"] == "7,631"


def _toggle(at, starts: str):
    return next(t for t in at.toggle if t.label.startswith(starts))


def test_direction_is_stated_and_flips_the_outcome():
    at = run_page("views/experiments.py")
    lower = _toggle(at, "Lower retention is better")
    assert lower.value is False  # 'retained' reads as higher is better
    captions = " ".join(c.value for c in at.caption)
    assert "Guessed from the name 'retained': higher retention is better." in captions
    assert "The offer works" in at.success[0].value
    lower.set_value(True).run()
    assert_no_exception(at)
    captions = " ".join(c.value for c in at.caption)
    assert "Set by you: lower retention is better." in captions
    verdict = at.error[0].value
    assert "The offer hurts" in verdict and "Lower retention is better" in verdict
    assert _metrics(at)["Chance to win"] == "under 1%"


def test_cuped_toggle_and_control_change_the_result():
    at = run_page("views/experiments.py")
    _toggle(at, "Adjust for").set_value(True).run()
    assert_no_exception(at)
    assert _metrics(at)["p-value"] != "0.0034"  # CUPED narrows the interval
    _toggle(at, "Adjust for").set_value(False).run()
    ctrl = next(s for s in at.selectbox if s.label == "Control")
    ctrl.set_value("B").run()
    assert_no_exception(at)
    m = _metrics(at)
    assert m["B (control)"] == "23.8%" and m["A"] == "17.6%"
    assert "fell" in at.error[0].value  # A against B: the offer's absence hurts


def test_wrong_split_shows_an_error_not_a_traceback():
    at = run_page("views/experiments.py")
    split = next(t for t in at.text_input if t.label == "Intended split")
    split.set_value("50/40/10").run()
    assert_no_exception(at)
    assert any("intended split needs 2" in e.value for e in at.error)
    split.set_value("90/10").run()  # 1000/1000 against 90/10: sample ratio mismatch
    assert_no_exception(at)
    assert any("do not trust this result" in e.value for e in at.error)


def test_results_table_blanks_and_friendly_statuses():
    at = run_page("views/experiments.py")
    assert_no_exception(at)
    results = next(d for d in at.dataframe if list(d.value.columns[:2]) == ["variant", "role"])
    # the control has no lift against itself: empty cells, shown as the app-wide "–" (not "None")
    control = results.value.iloc[0]
    assert control["role"] == "control" and control[["relative_lift", "p_value"]].isna().all()
    assert results.proto.HasField("placeholder") and results.proto.placeholder == "–"
    status = at.multiselect(key="as_status")
    assert status.options == ["Active", "At risk", "Churned"] and status.value == ["at_risk"]
    assigned = at.dataframe[-1].value
    assert set(assigned["status"]) == {"At risk"}


def test_control_and_level_survive_a_page_switch():
    at = run_page("views/experiments.py")
    next(s for s in at.selectbox if s.label == "Control").set_value("B").run()
    next(s for s in at.selectbox if s.label == "Significance level").set_value(0.01).run()
    assert_no_exception(at)
    at.switch_page("views/sales.py")
    at.run()
    at.switch_page("views/experiments.py")
    at.run()
    assert_no_exception(at)
    assert next(s for s in at.selectbox if s.label == "Control").value == "B"
    assert next(s for s in at.selectbox if s.label == "Significance level").value == 0.01
    assert _metrics(at)["B (control)"] == "23.8%"


def test_statistical_terms_are_explained_under_the_hood():
    at = run_page("views/experiments.py")
    hood = next(e for e in at.expander if e.label.startswith("Under the hood"))
    text = " ".join(m.value for m in hood.markdown)
    for term in ("Theta", "SMD", "Holm / Benjamini-Hochberg", "Delta method"):
        assert f"**{term}" in text
    assert "Standardised mean difference" in text and "CUPED coefficient" in text
