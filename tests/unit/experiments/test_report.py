"""core.experiments.report and verdict: what the A/B test page and the JSON show (headline
figures, notes, tables, the verdict's words)."""

from __future__ import annotations

import math

import polars as pl
import pytest
from scipy import stats

from core import experiments as ab
from core.experiments import (
    analyse,
    from_frame,
    load_experiment,
    results_table,
)
from tests.unit.experiments.hand import AGGREGATED, REL_P, SAMPLE


# ---------------------------------------------------------------- what the page shows
def test_headline_figures_of_the_sample():
    from core.experiments import headline_figures

    res = analyse(load_experiment(SAMPLE))
    control, variant, p, win = headline_figures(res, res.variants[0])
    # 176/1000 = 17.6%, 238/1000 = 23.8%, relative lift .062 / .176 = +35.2%
    assert (control.label, control.value) == ("A (control)", "17.6%")
    assert (variant.label, variant.value, variant.delta) == ("B", "23.8%", "+35.2% relative")
    # one comparison: the relative test's p (REL_P = 0.0034, see above), not "adjusted"
    assert (p.label, p.value) == ("p-value", "0.0034")
    assert win.label == "Chance to win" and win.value == "over 99%"


def test_headline_figures_name_the_correction():
    from core.experiments import control_label, headline_figures

    exp = load_experiment(AGGREGATED)
    holm = analyse(exp, correction="holm")
    assert control_label(holm) == "control"  # already says it
    figs = headline_figures(holm, holm.variants[0])
    # Holm with two tests doubles the smaller p: 2 * 0.003385 = 0.00677 -> "0.0068"
    assert (figs[2].label, figs[2].value) == ("p-value (adjusted)", f"{2 * REL_P:.4f}")
    assert f"{2 * REL_P:.4f}" == "0.0068" and "Holm" in figs[2].help
    plain = analyse(exp, correction="none")
    assert headline_figures(plain, plain.variants[0])[2].value == "0.0034"
    assert headline_figures(plain, plain.variants[0])[2].label == "p-value"


def test_small_count_notes_give_fisher_p():
    from core.experiments import small_count_notes

    df = pl.DataFrame({"variant": ["A", "B"], "units": [40, 40], "conversions": [3, 8]})
    res = analyse(from_frame(df))
    ref = stats.fisher_exact([[3, 37], [8, 32]]).pvalue  # scipy, two-sided
    (note,) = small_count_notes(res)
    assert note.startswith("Small counts in B") and f"p = {ab.fmt_p(ref)}" in note
    assert small_count_notes(analyse(load_experiment(SAMPLE))) == []  # 176 / 238 are not small


def test_cuped_table_and_summary():
    from core.experiments import cuped_summary, cuped_table

    exp = load_experiment(SAMPLE)
    for used in (False, True):
        res = analyse(exp, use_cuped=used)
        t = cuped_table(res).row(0, named=True)
        assert t["variant"] == "B"
        # without CUPED: .062 / .176 = .352273 (by hand above), also when CUPED is switched on
        assert t["relative_lift_plain"] == pytest.approx(0.352273, abs=1e-6)
        assert t["p_value_plain"] == pytest.approx(REL_P, rel=1e-4)
        assert t["ci_low_cuped"] < t["relative_lift_cuped"] < t["ci_high_cuped"]
        assert t["p_value_cuped"] < t["p_value_plain"]  # less variance, smaller p
        text = cuped_summary(res)
        assert "**pre_period_spend**" in text
        assert text.endswith("adjusted." if used else "use it.")
    agg = analyse(load_experiment(AGGREGATED))
    assert cuped_summary(agg) is None and cuped_table(agg).height == 0


def test_segment_caution_counts_comparisons_and_uses_alpha():
    from core.experiments import segment_caution

    exp = load_experiment(SAMPLE)
    # segments New, Returning, VIP with one variant each: 3 comparisons, Holm by default
    text = segment_caution(analyse(exp))
    assert text.startswith("3 comparisons; p-values corrected with Holm")
    none = segment_caution(analyse(exp, correction="none"))
    assert "at 5% about 1 in 20" in none
    assert "at 10% about 1 in 10" in segment_caution(analyse(exp, alpha=0.10, correction="none"))
    assert segment_caution(analyse(load_experiment(AGGREGATED))) is None


def test_roles_summary_of_an_aggregated_file():
    from core.experiments import roles_summary

    text = roles_summary(load_experiment(AGGREGATED))
    assert text == (
        "Aggregated file: variant **variant**, units **units**, outcome **conversions** "
        "(proportion)."
    )


def test_baseline_rate_and_mde():
    from core.experiments import baseline_rate, mde_lines, mde_table

    res = analyse(load_experiment(SAMPLE))
    assert baseline_rate(res) == pytest.approx(0.176)  # 176 / 1000
    assert baseline_rate(None) == 0.1
    means = pl.DataFrame(
        {"variant": ["A", "B"], "units": [3, 3], "sum": [30, 33], "sum_squares": [308, 371]}
    )
    assert baseline_rate(analyse(from_frame(means)), default=0.2) == 0.2
    # MDE = (z.975 + z.8) * SE / .176 = (1.959964 + 0.841621) * .0180660 / .176 = .28758
    t = mde_table(res).row(0, named=True)
    assert t["variant"] == "B" and t["units"] == 1000
    assert t["mde_relative"] == pytest.approx(0.28758, abs=1e-4)
    assert mde_lines(res) == ["B: about 29% (1,000 units)"]


def test_every_result_column_has_a_header():
    from core.experiments import RESULT_COLUMNS, cuped_table, mde_table

    res = analyse(load_experiment(SAMPLE))
    for table in (results_table(res), cuped_table(res), res.segments, mde_table(res)):
        assert set(table.columns) <= RESULT_COLUMNS.keys()
    kinds = {kind for _, kind in RESULT_COLUMNS.values()}
    assert kinds == {"text", "count", "value", "share", "p", "number"}


def test_sample_size_note():
    assert ab.sample_size_note(0.05, 0.8).startswith("Two-sided test at 0.05, 80% power")


def test_non_significant_headline_names_no_direction():
    # 176 / 1000 retained in A, 181 / 1000 in B: a gap well inside the noise
    df = pl.DataFrame(
        {
            "customer_id": list(range(2000)),
            "group": ["A"] * 1000 + ["B"] * 1000,
            "retained": [1] * 176 + [0] * 824 + [1] * 181 + [0] * 819,
        }
    )
    v = analyse(from_frame(df)).verdicts["B"]
    assert v.outcome == "inconclusive"
    assert v.headline.startswith(
        "Retention was 17.6% in A and 18.1% in B; the difference is not clear (p = "
    )
    assert " rose " not in v.text and " fell " not in v.text
    # the decision p by hand: relative lift by the delta method, Welch df
    pa, pb = 0.176, 0.181
    qa, qb = pa * (1 - pa) / 1000, pb * (1 - pb) / 1000  # per-unit variance p(1 - p) / n
    lift = pb / pa - 1
    var = qb / pa**2 + pb**2 * qa / pa**4
    df_w = (qa + qb) ** 2 / (qa**2 / 999 + qb**2 / 999)
    p = 2 * stats.t.sf(abs(lift) / math.sqrt(var), df_w)
    assert 0.5 < p < 0.95 and f"(p = {p:.3f})." in v.headline
