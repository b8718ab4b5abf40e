"""The `plan` command (python -m core plan): its options read into plan inputs (rules, uplifts
from --uplift or a linked --experiment, costs from --cost and --offer) and its outputs (SPEC's
JSON, the per-customer --out file, the plan recorded with --db, or one line per action).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from core import plan as P
from core.churn import check_thresholds
from core.export import write_table
from core.model.errors import InputError
from core.plan import _deps
from core.plan.record import record_plan
from core.rules import load_rules


def parse_pairs(items: list[str] | None, flag: str) -> list[tuple[str, float]]:
    """ACTION=NUMBER pairs (a trailing % divides by 100), e.g. --uplift "VIP retention=0.1"."""
    out = []
    for item in items or []:
        name, sep, text = item.rpartition("=")
        try:
            number = float(text.strip().rstrip("%")) / (100 if text.strip().endswith("%") else 1)
        except ValueError:
            number = None
        if not sep or not name.strip() or number is None:
            raise InputError(f"{flag} takes ACTION=NUMBER, got {item!r}")
        out.append((name.strip(), number))
    return out


def _uplifts(args: argparse.Namespace, rules) -> dict:
    """--uplift assumptions and the --experiment link, keyed by rule name."""
    uplifts = {
        P.resolve_rule(rules, a): P.assumed(x) for a, x in parse_pairs(args.uplift, "--uplift")
    }
    linked = (args.experiment, args.for_action)
    if any(linked) and not all(linked):
        raise InputError("--experiment and --for-action go together: which action does it measure?")
    if args.experiment:
        exp = _deps.load_experiment(Path(args.experiment))
        control = args.control or _deps.default_control(exp.variants)
        treatment = args.treatment
        if treatment is None:
            others = [v for v in exp.variants if v != control]
            if len(others) != 1:
                raise InputError(f"--treatment is needed: variants are {', '.join(exp.variants)}")
            treatment = others[0]
        link = P.ExperimentLink(control, treatment, args.metric, Path(args.experiment).name)
        uplifts[P.resolve_rule(rules, args.for_action)] = P.measure(exp, link)
    return uplifts


@dataclass(frozen=True)
class Inputs:
    """What the options say: the rules, and per rule its uplift and costs."""

    rules: list
    uplifts: dict
    costs: dict


def prepare(args: argparse.Namespace) -> Inputs:
    """Check the options and read the rules, uplifts (--uplift, --experiment) and costs
    (--cost, --offer); raises InputError naming the bad option."""
    check_thresholds(args.churn_days, args.at_risk_days)
    P.check_share(args.holdout)
    if args.out and Path(args.out).suffix.lower() not in (".csv", ".xlsx", ".parquet"):
        raise InputError(f"--out takes a .csv, .xlsx or .parquet file name, got {args.out!r}")
    rules = load_rules(args.rules)
    uplifts = _uplifts(args, rules)
    costs = {P.resolve_rule(rules, a): x for a, x in parse_pairs(args.cost, "--cost")}
    offers = {P.resolve_rule(rules, a): x for a, x in parse_pairs(args.offer, "--offer")}
    costs = {r: P.Costs(costs.get(r, 0.0), offers.get(r, 0.0)) for r in set(costs) | set(offers)}
    return Inputs(rules, uplifts, costs)


def run(args: argparse.Namespace, inputs: Inputs, orders, table: pl.DataFrame, as_of: date) -> Any:
    """The plan on the customer table. --json: SPEC's JSON; --out FILE: one row per customer
    (id, action, holdout flag, value at stake, expected gain, uplift source, reason) and a
    summary; --db records the plan and its holdout in the workspace; else one line per action.
    Warnings (model fallback, skipped rules) go to stderr."""
    value = P.customer_value(
        table, orders, as_of, args.horizon_days, args.churn_days, args.at_risk_days
    )
    if value.note:
        print(f"warning: {value.note}", file=sys.stderr)
    plan = P.build_plan(
        table,
        inputs.rules,
        value,
        as_of=as_of,
        uplifts=inputs.uplifts,
        costs=inputs.costs,
        holdout=args.holdout,
        by=args.assign,
    )
    for name, message in plan.errors.items():
        print(f"warning: rule {name!r} skipped: {message}", file=sys.stderr)
    out = P.to_json(plan)
    if args.db:
        out["plan_id"] = record_plan(
            args.db,
            plan.customers,
            send_date=as_of,
            holdout=args.holdout,
            holdout_key=plan.holdout_key,
            as_of=as_of,
            source=Path(args.orders).name,
        )
    if args.out:
        rows = P.export_rows(plan)
        path = write_table(rows, args.out)
        return {
            "out": str(path),
            "as_of": out["as_of"],
            "customers": rows.height,
            "held_out": int(rows["holdout"].sum()),
            **({"plan_id": out["plan_id"]} if "plan_id" in out else {}),
        }
    if args.json:
        return out
    lines = [f"as_of: {out['as_of']}  horizon_days: {out['horizon_days']}"]
    for a in out["actions"]:
        u = a["uplift"]
        lines.append(
            f"{a['rule']}: {a['customers']} customers, net gain {a['net_gain']:,.0f} "
            f"[{a['net_gain_low']:,.0f}, {a['net_gain_high']:,.0f}], uplift {u['relative']:+.1%} "
            f"({u['source']})"
        )
    return "\n".join(lines)
