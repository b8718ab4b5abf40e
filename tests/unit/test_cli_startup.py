"""`python -m core --help` loads no heavy module: polars, scipy, Altair and the spreadsheet
writers are imported only by the commands that need them."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("polars", "numpy", "scipy", "altair", "xlsxwriter", "openpyxl", "fastexcel", "streamlit")

PROBE = f"""
import runpy, sys
sys.argv = ["core", "--help"]
try:
    runpy.run_module("core", run_name="__main__")
except SystemExit:
    pass
print("LOADED", sorted(m for m in {HEAVY!r} if m in sys.modules))
"""


def test_help_imports_no_heavy_module():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "usage:" in out
    assert out.strip().splitlines()[-1] == "LOADED []"


def test_model_names_still_import_from_the_package():
    from core.model import InputError, Settings, status_expr
    from core.model.errors import InputError as Same

    assert InputError is Same
    assert callable(status_expr) and Settings.__name__ == "Settings"


def test_large_json_is_compact_and_small_json_indented() -> None:
    """--json reads the same either way; over COMPACT_ROWS rows it is written compact (Python
    writes compact JSON in C), a small payload stays indented for reading."""
    import json

    from core.__main__ import COMPACT_ROWS, _json

    small = {"rows": [{"a": 1}] * 3}
    large = [{"a": 1, "d": "2024-01-02"}] * (COMPACT_ROWS + 1)
    assert "\n  " in _json(small)
    assert "\n" not in _json(large)
    assert json.loads(_json(large)) == large
    assert json.loads(_json(small)) == small


def test_report_without_an_experiment_imports_no_statistics(tmp_path):
    """`report --html` fits CLV (scipy.optimize) but tests nothing: scipy.stats and the
    experiment modules load only with --experiment."""
    probe = f"""
import runpy, sys
sys.argv = ["core", "report", "tests/data/small_orders.csv", "--html", {str(tmp_path / "r.html")!r}]
try:
    runpy.run_module("core", run_name="__main__")
except SystemExit:
    pass
print("LOADED", sorted(m for m in ("scipy.stats", "core.experiments") if m in sys.modules))
"""
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "LOADED []"
    assert (tmp_path / "r.html").stat().st_size > 0
