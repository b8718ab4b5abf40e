"""Every command on every edge file (tests/corpus), in text and JSON: exit 0, or exit 2 with
exactly one `error:` line; never a traceback. JSON output parses (no NaN or Infinity)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.__main__ import main
from core.rules.model import DEFAULT_RULES_PATH
from tests.corpus import edge_files

COMMANDS = {
    "report": [],
    "customers": [],
    "churn": [],
    "clv": [],
    "insights": ["--rules", str(DEFAULT_RULES_PATH)],
    "plan": ["--rules", str(DEFAULT_RULES_PATH)],
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    return edge_files(tmp_path_factory.mktemp("corpus"))


@pytest.mark.parametrize("command", COMMANDS)
def test_command_on_every_edge_file(command: str, corpus: dict[str, Path], capsys) -> None:
    problems = []
    for name, path in corpus.items():
        for extra in ([], ["--json"]):
            try:
                code = main([command, str(path), *COMMANDS[command], *extra])
            except SystemExit as exc:  # argparse: also one line, exit 2
                code = exc.code
            except Exception as exc:  # a traceback would have been printed
                problems.append(f"{name} {extra}: {type(exc).__name__}: {exc}")
                continue
            out, err = capsys.readouterr()
            lines = [line for line in err.splitlines() if not line.startswith("warning: ")]
            if code == 2:
                if len(lines) != 1 or not lines[0].startswith("error: "):
                    problems.append(f"{name} {extra}: exit 2 with {lines!r}")
            elif code != 0:
                problems.append(f"{name} {extra}: exit {code}")
            elif extra:
                try:
                    json.loads(out)
                except ValueError as exc:
                    problems.append(f"{name} --json: not JSON ({exc})")
            if "Traceback" in err:
                problems.append(f"{name} {extra}: traceback")
    assert not problems, "\n".join(problems)
