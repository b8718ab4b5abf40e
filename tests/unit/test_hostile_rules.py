"""Hostile rules files end in one sentence (CLI: exit 2, one `error:` line; the app's Import JSON
shows the same InputError): deep nesting, a huge number, a file that is not UTF-8, a huge file."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.__main__ import main
from core.errors import InputError
from core.rules import rules_from_json

ORDERS = "customer_id,order_date,revenue\na,2024-01-01,10\nb,2024-02-01,20\n"
RULE = '{"name": "%s", "condition": "orders >= 1", "action": "call", "priority": %s}'

CASES = {
    "nested": ("[" * 100_000 + "]" * 100_000).encode(),
    "nested in a rule": ("[" + RULE % ("a", "[" * 50_000 + "]" * 50_000) + "]").encode(),
    "huge number": ("[" + RULE % ("a", "9" * 100_000) + "]").encode(),
    "cp1252": ("[" + RULE % ("café", 1) + "]").encode("cp1252"),
    "huge file": ("[" + ",".join([RULE % ("x" * 100, 1)] * 20_000) + "]").encode(),
}
MESSAGES = {
    "nested": "nested too deeply",
    "nested in a rule": "nested too deeply",
    "huge number": "a number with too many digits",
    "cp1252": r"not UTF-8 text \(byte 0xe9 at position 14\): save it as UTF-8",
    "huge file": "larger than 1 MB",
}


@pytest.mark.parametrize("case", CASES)
def test_rules_from_json_names_the_problem(case: str) -> None:
    with pytest.raises(InputError, match=MESSAGES[case]):
        rules_from_json(CASES[case], source="rules file 'r.json'")


@pytest.mark.parametrize("case", CASES)
def test_cli_exits_2_with_one_line(case: str, tmp_path: Path, capsys) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDERS)
    rules = tmp_path / "r.json"
    rules.write_bytes(CASES[case])
    assert main(["insights", str(orders), "--rules", str(rules)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "r.json" in err[0]
    assert "Traceback" not in err[0]


def test_utf8_with_bom_is_fine() -> None:
    rules = rules_from_json(("\ufeff[" + RULE % ("café", 1) + "]").encode("utf-8"))
    assert rules[0].name == "café"
