"""The report command's stakeholder-report options (--html, --pdf, --paper, --rules,
--experiment) and what they write; core/__main__.py calls these two functions."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path


def add_options(p: argparse.ArgumentParser) -> None:
    """The report command's options for the stakeholder report."""
    p.add_argument("--html", metavar="FILE", help="write the stakeholder report as HTML")
    p.add_argument("--pdf", metavar="FILE", help="write the stakeholder report as PDF")
    p.add_argument("--paper", choices=["A4", "Letter"], default="A4", help="PDF page size")
    p.add_argument("--rules", help="rules JSON for the report's actions (default: built-in)")
    p.add_argument("--experiment", help="experiment file whose verdict the report shows")


def write_files(args: argparse.Namespace, loaded, customers, as_of: date | None) -> dict:
    """Build the report for the loaded orders and write the files asked for; {} when none."""
    if not (args.html or args.pdf):
        return {}
    from core.report.content import build_report
    from core.report.files import write_report
    from core.rules import load_rules

    rules = load_rules(args.rules) if args.rules else None
    experiment = None
    if args.experiment:  # (scipy.stats and the experiment modules only when there is one)
        from core.experiments import load_experiment

        experiment = load_experiment(Path(args.experiment))
    rep = build_report(
        loaded,
        customers=customers,
        as_of=as_of,
        churn_days=args.churn_days,
        at_risk_days=args.at_risk_days,
        rules=rules,
        experiment=experiment,
        source=Path(args.orders).name,
    )
    return write_report(rep, args.html, args.pdf, args.paper)
