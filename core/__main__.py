"""The command line: `python -m core <command> FILE ...`, the same core that runs under the app.

Bad input exits with status 2 and one `error:` line on stderr that says what is wrong and where.
Each command lives in a `_cmd_<name>(args)` function that returns a JSON-ready object (or None).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from core.errors import InputError
from core.report.cli import add_options, write_files


# ---------------------------------------------------------------- shared plumbing
def _parse_map(items: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        role, sep, column = item.partition("=")
        if not sep or not role.strip():
            raise InputError(f"--map takes ROLE=COLUMN (ROLE= removes a role), got {item!r}")
        out[role.strip()] = column.strip()
    return out


def _parse_date(text: str | None, flag: str = "--as-of") -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{flag} takes a date as YYYY-MM-DD, got {text!r}") from None


def _load(args: argparse.Namespace):
    """Read the orders file named in args with the --map overrides; returns core.ingest.Loaded."""
    from core.ingest import load_orders
    from core.ingest.currency import parse_fx

    return load_orders(
        Path(args.orders),
        overrides=_parse_map(args.map),
        sheet=args.sheet,
        date_format=args.date_format,
        fx=parse_fx(args.fx),
        currency=args.currency,
    )


def _customers(args: argparse.Namespace, orders=None):
    """The optional customers file (--customers), read once; None when not given. `orders`
    helps find its id column by value."""
    from core.ingest import load_customers

    if not args.customers:
        return None
    ids = orders["customer_id"] if orders is not None else None
    return load_customers(Path(args.customers), order_ids=ids)


def _as_of(args: argparse.Namespace, orders) -> date:
    from core.model.schema import resolve_as_of

    return resolve_as_of(orders, _parse_date(args.as_of))


def _settings(args: argparse.Namespace, as_of: date):
    """The run's core.model.Settings: as of and the thresholds (checked)."""
    from core.model.settings import Settings

    return Settings(as_of, args.churn_days, args.at_risk_days).check()


COMPACT_ROWS = 10_000  # --json output with more rows than this is written without indentation


def _rows(table) -> Any:
    """A table as --json writes its rows (the command returns it, _json writes it): dates as
    YYYY-MM-DD, NaN and infinities as null (JSON has neither)."""
    import polars as pl

    floats = [c for c, t in table.schema.items() if t.is_float()]
    return table.with_columns(
        pl.col(pl.Date).dt.to_string("%Y-%m-%d"),
        *(pl.when(pl.col(c).is_finite()).then(pl.col(c)).alias(c) for c in floats),
    )


def _json(obj: Any) -> str:
    """The --json text: indented for reading; a payload of more than COMPACT_ROWS rows compact,
    its tables (from _rows) written by polars (Python writes indented JSON in Python, compact
    JSON in C, and both from a dict per row: 13 s for 1.25M customers; polars: 0.4 s)."""
    import polars as pl

    def rows(v: Any) -> int:
        return len(v) if isinstance(v, (list, pl.DataFrame)) else 0

    def text(v: Any) -> str:
        if isinstance(v, pl.DataFrame):
            return v.write_json()
        return json.dumps(v, default=str, allow_nan=False)

    values = obj.values() if isinstance(obj, dict) else [obj]
    if sum(rows(v) for v in values) > COMPACT_ROWS:
        if not isinstance(obj, dict):
            return text(obj)
        return "{" + ", ".join(f"{json.dumps(k)}: {text(v)}" for k, v in obj.items()) + "}"
    if isinstance(obj, pl.DataFrame):
        obj = obj.to_dicts()
    elif isinstance(obj, dict):
        obj = {k: v.to_dicts() if isinstance(v, pl.DataFrame) else v for k, v in obj.items()}
    return json.dumps(obj, indent=2, default=str, allow_nan=False)


def _emit(args: argparse.Namespace, obj: Any) -> None:
    if obj is None:
        return
    if getattr(args, "json", False):
        print(_json(obj))
    elif isinstance(obj, dict):
        from core import format as fmt
        from core.metrics.registry import BY_NAME

        for key, value in obj.items():
            if isinstance(value, (list, dict)):
                value = json.dumps(value, default=str)
            elif key in BY_NAME and BY_NAME[key].kind != "date":
                kpi = BY_NAME[key]  # KPIs read as in the app
                value = fmt.by_kind(value, kpi.kind, kpi.digits)
            print(f"{key}: {value}")
    else:
        print(obj)


# ---------------------------------------------------------------- commands
def _cmd_report(args: argparse.Namespace) -> Any:
    from core.metrics import report

    loaded = _load(args)
    customers = _customers(args, loaded.orders)
    days = {"churn_days": args.churn_days, "at_risk_days": args.at_risk_days}
    out = report(loaded, customers=customers, as_of=_parse_date(args.as_of), **days)
    return out | write_files(args, loaded, customers, _parse_date(args.as_of))


def _cmd_customers(args: argparse.Namespace) -> Any:
    """The customer metrics table. --out FILE writes it (.csv/.xlsx/.parquet) and prints a
    summary (customers per RFM segment); --json prints the rows; otherwise CSV on stdout."""

    from core.churn import check_thresholds
    from core.export import to_csv_text, write_table
    from core.hub import customer_table
    from core.segments import SEGMENT_ORDER

    check_thresholds(args.churn_days, args.at_risk_days)
    if args.out and Path(args.out).suffix.lower() not in (".csv", ".xlsx", ".parquet"):
        raise InputError(f"--out takes a .csv, .xlsx or .parquet file name, got {args.out!r}")
    loaded = _load(args)
    as_of = _as_of(args, loaded.orders)
    customers = _customers(args, loaded.orders)
    table = customer_table(
        loaded.orders,
        settings=_settings(args, as_of),
        customers=customers,
    )
    if args.out:
        path = write_table(table, args.out)
        counts = dict(table["rfm_segment"].value_counts().rows())
        return {
            "out": str(path),
            "as_of": as_of.isoformat(),
            "customers": table.height,
            "columns": len(table.columns),
            "revenue": float(table["revenue"].sum()),
            "segments": {s: int(counts.get(s, 0)) for s in SEGMENT_ORDER},
        }
    if args.json:
        return _rows(table)
    return to_csv_text(table).rstrip("\n")


def _cmd_churn(args: argparse.Namespace) -> Any:
    """The churn list. --out FILE writes it (.csv/.xlsx/.parquet) and prints a summary;
    --json prints the rows; otherwise CSV on stdout."""

    from core.churn import check_thresholds, churn_list
    from core.export import to_csv_text, write_table
    from core.hub import customer_table

    check_thresholds(args.churn_days, args.at_risk_days)
    if args.out and Path(args.out).suffix.lower() not in (".csv", ".xlsx", ".parquet"):
        raise InputError(f"--out takes a .csv, .xlsx or .parquet file name, got {args.out!r}")
    loaded = _load(args)
    as_of = _as_of(args, loaded.orders)
    table = customer_table(
        loaded.orders,
        settings=_settings(args, as_of),
        customers=_customers(args, loaded.orders),
    )
    rows = churn_list(table, args.churn_days, args.at_risk_days)
    if args.out:
        path = write_table(rows, args.out)
        return {
            "out": str(path),
            "as_of": as_of.isoformat(),
            "churn_days": args.churn_days,
            "at_risk_days": args.at_risk_days,
            "customers": rows.height,
            "at_risk": int((rows["status"] == "at_risk").sum()),
            "churned": int((rows["status"] == "churned").sum()),
            "revenue_at_risk": float(rows["revenue_365d"].fill_null(0.0).sum()),
        }
    if args.json:
        return _rows(rows)
    return to_csv_text(rows).rstrip("\n")


def _cmd_clv(args: argparse.Namespace) -> Any:
    from core.clv import fit_report

    loaded = _load(args)
    return fit_report(loaded.orders, _as_of(args, loaded.orders), unit=args.unit)


def _cmd_abtest(args: argparse.Namespace) -> Any:
    from core.experiments import analyse, load_experiment, to_dict

    overrides = _parse_map(args.map)
    if args.metric and "outcome" not in overrides:
        overrides["outcome"] = args.metric
    exp = load_experiment(Path(args.experiment), overrides=overrides, sheet=args.sheet)
    lower = args.lower_is_better
    return to_dict(analyse(exp, args.metric, args.control, args.alpha, lower_is_better=lower))


def _cmd_insights(args: argparse.Namespace) -> Any:
    """Evaluate a rules file on the customer table; with --db, save the run (upsert insights
    keyed by customer_id + rule, record it in insight_runs). A rule with a bad condition stops
    the run before anything is saved (exit 2, naming the rule), so a nightly job cannot succeed
    while an action silently stops; with --skip-invalid it is skipped with a warning on stderr
    and the others run."""
    import os

    from core.hub import customer_table
    from core.rules import evaluate, load_rules

    rules = load_rules(args.rules)
    loaded = _load(args)
    as_of = _as_of(args, loaded.orders)
    table = customer_table(
        loaded.orders,
        settings=_settings(args, as_of),
        customers=_customers(args, loaded.orders),
    )
    result = evaluate(table, rules)
    if result.errors and not args.skip_invalid:
        (name, message), *more = result.errors.items()
        others = f"; {len(more)} more invalid: {', '.join(map(repr, dict(more)))}" if more else ""
        fix = "fix it, or pass --skip-invalid to run the other rules"
        message = " ".join(message.split())  # one error line
        raise InputError(f"rule {name!r} is invalid: {message}{others} ({fix})", file=args.rules)
    for name, message in result.errors.items():
        print(f"warning: rule {name!r} skipped: {message}", file=sys.stderr)
    insights = result.insights
    out: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "customers": result.customers,
        "matched": insights.height,
        "rules": [
            {
                "name": r["rule"],
                "matched": r["matched"],
                "revenue": round(r["revenue"], 2),
                "assigned": r["assigned"],
                "error": r["error"],
            }
            for r in result.stats.iter_rows(named=True)
        ],
    }
    if args.db:
        from core.store import open_db, save_run

        db = open_db(args.db)
        try:
            out["run_id"] = save_run(
                db,
                insights,
                rules,
                customers=result.customers,
                as_of=as_of,
                author=os.environ.get("USER") or "command line",
                rule_set=Path(args.rules).stem,
                source=Path(args.orders).name,
            )
        finally:
            db.close()
    if args.json:
        out["insights"] = _rows(
            insights.select("customer_id", "rule", "reason", "action", "confidence")
        )
    return out


def _cmd_plan(args: argparse.Namespace) -> Any:
    """The action plan: options read and outputs written by core.plan.cli."""
    from core.hub import customer_table
    from core.plan import cli

    inputs = cli.prepare(args)  # bad options fail before the orders are read
    loaded = _load(args)
    as_of = _as_of(args, loaded.orders)
    table = customer_table(
        loaded.orders, settings=_settings(args, as_of), customers=_customers(args)
    )
    return cli.run(args, inputs, loaded.orders, table, as_of)


# ---------------------------------------------------------------- parser
class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one error line, exit 2
        self.exit(2, f"error: {message}\n")


def _shared_options() -> argparse.ArgumentParser:
    """The options every orders command takes: one parent parser, so a new option reaches all."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument(
        "--map", action="append", metavar="ROLE=COLUMN", help="override a role (ROLE= removes it)"
    )
    p.add_argument(
        "--date-format",
        metavar="FMT",
        help="how order dates are written: dmy, mdy, ymd or a strftime pattern (default: decided "
        "from the data)",
    )
    p.add_argument(
        "--fx",
        action="append",
        metavar="CUR=RATE",
        help="convert CUR into the reporting currency: 1 CUR = RATE (repeatable)",
    )
    p.add_argument("--currency", metavar="CUR", help="report this currency (others set aside)")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="reference date (default: last order)")
    p.add_argument("--customers", help="optional customers file (id + attributes)")
    p.add_argument("--sheet", help="Excel sheet name (default: the first that holds a table)")
    p.add_argument("--churn-days", type=int, default=90, help="churned after N days (default 90)")
    p.add_argument("--at-risk-days", type=int, default=60, help="at risk after N days (default 60)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    return p


def _orders_command(sub, name: str, help_: str, func) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help_, parents=[_shared_options()])
    p.add_argument("orders", help="orders file: CSV, TSV, .csv.gz, .xlsx or .parquet")
    p.set_defaults(func=func)
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m core", description="Customer Pulse command line")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    add_options(_orders_command(sub, "report", "sales KPIs, churn and the report", _cmd_report))

    p = _orders_command(sub, "customers", "the customer metrics table", _cmd_customers)
    p.add_argument("--out", help="write to FILE (.csv, .xlsx, .parquet)")

    p = _orders_command(sub, "churn", "the churn list: at-risk and churned customers", _cmd_churn)
    p.add_argument("--out", help="write to FILE (.csv, .xlsx, .parquet)")

    p = _orders_command(sub, "clv", "fit BG/NBD and Gamma-Gamma", _cmd_clv)
    p.add_argument("--unit", choices=["days", "weeks"], default="days")

    p = sub.add_parser("abtest", help="analyse an experiment")
    p.add_argument("experiment", help="experiment file (row level or aggregated)")
    p.add_argument("--control", help="control variant (default: control/A/0, else the first)")
    p.add_argument("--metric", help="outcome column")
    p.add_argument("--alpha", type=float, default=0.05)
    better = "the metric is better when lower (default: guessed from its name)"
    p.add_argument("--lower-is-better", action=argparse.BooleanOptionalAction, help=better)
    p.add_argument("--map", action="append", metavar="ROLE=COLUMN", help="override a role")
    p.add_argument("--sheet", help="Excel sheet name (default: the first)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_cmd_abtest)

    p = _orders_command(sub, "insights", "evaluate insight rules", _cmd_insights)
    p.add_argument("--rules", required=True, help="rules JSON file")
    p.add_argument("--db", help="SQLite database to upsert insights into")
    skip = "skip a rule whose condition is invalid (warn) instead of exiting 2"
    p.add_argument("--skip-invalid", action="store_true", help=skip)

    p = _orders_command(sub, "plan", "the action plan: what each action is worth", _cmd_plan)
    p.add_argument("--rules", required=True, help="rules JSON file")
    p.add_argument("--experiment", help="experiment file that measures one action")
    p.add_argument("--control", help="the experiment's control variant")
    p.add_argument("--treatment", help="the experiment's variant that got the action")
    p.add_argument("--metric", help="the experiment's outcome column (default: the first)")
    p.add_argument("--for-action", help="the action (rule name or action text) it measures")
    p.add_argument("--uplift", action="append", metavar="ACTION=X", help="assumed uplift")
    p.add_argument("--cost", action="append", metavar="ACTION=X", help="cost per contact")
    p.add_argument("--offer", action="append", metavar="ACTION=X", help="offer share of order")
    p.add_argument("--horizon-days", type=int, default=365, help="value horizon (default 365)")
    p.add_argument("--holdout", type=float, default=0.1, help="share held out (default 0.1)")
    assign = "each customer's action: the highest-priority rule, or the best expected net gain"
    p.add_argument("--assign", choices=["priority", "best"], default="priority", help=assign)
    p.add_argument("--out", help="write one row per customer to FILE (.csv, .xlsx, .parquet)")
    p.add_argument("--db", help="SQLite workspace to record the plan and its holdout in")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        _emit(args, args.func(args))
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:  # unreadable paths and similar: still one line
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
