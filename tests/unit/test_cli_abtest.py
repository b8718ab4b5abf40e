"""`python -m core abtest`: SPEC JSON on the bundled experiment, exit 2 with one error line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = str(ROOT / "data" / "experiment.csv")
AGGREGATED = str(ROOT / "tests" / "data" / "experiment_aggregated.csv")


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_abtest_json_on_the_sample(capsys):
    code, out, _ = _run(capsys, "abtest", SAMPLE, "--json")
    assert code == 0
    d = json.loads(out)
    assert d["type"] == "proportion" and d["control"] == "A"
    assert d["srm"]["ok"] is True
    (v,) = d["variants"]
    assert v["variant"] == "B" and v["units"] == 1000
    assert (v["control_value"], v["value"]) == pytest.approx((0.176, 0.238))
    # 176/1000 vs 238/1000: lift .062, SE .018066, p about 0.0006 (experiments/test_stats)
    assert v["absolute"]["lift"] == pytest.approx(0.062)
    assert v["absolute"]["p_value"] == pytest.approx(0.0006, abs=0.0001)
    lo, hi = v["relative"]["ci"]
    assert lo < v["relative"]["lift"] < hi
    assert len(v["risk"]) == 2


def test_abtest_control_metric_and_alpha(capsys):
    code, out, _ = _run(capsys, "abtest", SAMPLE, "--control", "B", "--alpha", "0.01", "--json")
    d = json.loads(out)
    assert code == 0 and d["control"] == "B" and d["variants"][0]["variant"] == "A"
    code, out, _ = _run(capsys, "abtest", SAMPLE, "--metric", "pre_period_spend", "--json")
    assert code == 0 and json.loads(out)["type"] == "mean"


def test_abtest_aggregated(capsys):
    code, out, _ = _run(capsys, "abtest", AGGREGATED, "--json")
    d = json.loads(out)
    assert code == 0 and d["control"] == "control"
    assert [v["variant"] for v in d["variants"]] == ["offer_10", "offer_20"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["abtest", "missing.csv"], "file not found"),
        (["abtest", SAMPLE, "--control", "Z"], "no variant 'Z'"),
        (["abtest", SAMPLE, "--metric", "nope"], "no column 'nope'"),
        (["abtest", SAMPLE, "--map", "variant=nope"], "no column 'nope'"),
    ],
)
def test_abtest_bad_input(capsys, argv, message):
    code, out, err = _run(capsys, *argv)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0]


def test_abtest_where_no_arm_varies_is_inconclusive_not_a_crash(capsys, tmp_path):
    # Every unit retained in both arms: both variances are 0, so there is nothing to test.
    rows = ["customer_id,variant,retained"] + [f"c{i},{'AB'[i % 2]},1" for i in range(100)]
    path = tmp_path / "all_retained.csv"
    path.write_text("\n".join(rows) + "\n")
    code, out, err = _run(capsys, "abtest", str(path), "--json")
    assert code == 0, err
    (v,) = json.loads(out)["variants"]
    assert v["outcome"] == "inconclusive"
    assert v["relative"]["lift"] == 0.0 and v["relative"]["p_value"] is None
