"""The command line at scale: report, customers, churn and insights as whole processes.

    python bench/commands.py --size 10m --format csv parquet

Generates the file when missing (bench/generate.py), then runs each command once in its own
process on it (with the file-size limit raised to 4 GB, as a private deployment would set
CUSTOMER_PULSE_MAX_FILE_MB, unless it is set already) and prints one table: wall time, peak
memory (ru_maxrss of the process, from wait4) and the exit status. Outputs go to a temporary
folder (customers and churn with --out .parquet, insights with the default rules and a
throwaway workspace). Not a test: numbers depend on the machine and its load (the load average
is printed).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = Path(__file__).resolve().parent / ".data"
RULES = ROOT / "data" / "default_rules.json"


def commands(path: Path, out: Path) -> dict[str, list[str]]:
    core = [sys.executable, "-m", "core"]
    return {
        "report": [*core, "report", str(path), "--json"],
        "customers": [*core, "customers", str(path), "--out", str(out / "customers.parquet")],
        "churn": [*core, "churn", str(path), "--out", str(out / "churn.parquet")],
        "insights": [
            *core,
            "insights",
            str(path),
            "--rules",
            str(RULES),
            "--db",
            str(out / "w.db"),
        ],
    }


def run(cmd: list[str]) -> tuple[float, float, int, str]:
    """(wall seconds, peak MB, exit status, last stderr line) of one process."""
    t = time.perf_counter()
    env = {"CUSTOMER_PULSE_MAX_FILE_MB": "4096", **os.environ}
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    err = proc.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    last = err.strip().splitlines()[-1] if err.strip() else ""
    return time.perf_counter() - t, usage.ru_maxrss / 1024, proc.returncode, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1m")
    parser.add_argument("--format", nargs="+", choices=["csv", "parquet"], default=["csv"])
    parser.add_argument(
        "--commands", nargs="+", default=["report", "customers", "churn", "insights"]
    )
    args = parser.parse_args()
    from bench.generate import generate, parse_size

    print("| file | command | wall (s) | peak memory (MB) | exit | load average |")
    print("|---|---|---:|---:|---:|---:|")
    for fmt in args.format:
        path = DATA / f"orders_{args.size}.{fmt}"
        if not path.exists():
            generate(parse_size(args.size), path)
        with tempfile.TemporaryDirectory() as tmp:
            todo = commands(path, Path(tmp))
            for name in args.commands:
                wall, peak, code, last = run(todo[name])
                load = os.getloadavg()[0]
                note = f" ({last[:80]})" if code else ""
                print(
                    f"| {path.name} | {name} | {wall:,.1f} | {peak:,.0f} | {code}{note} "
                    f"| {load:.1f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
