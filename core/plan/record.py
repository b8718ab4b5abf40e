"""Recording an exported action plan in the workspace database (core.store's file), so its
holdout can be measured later: `plan_runs` (one row per export: send date, holdout share and
hashing key, customers) and `plan_assignments` (per customer: rule, action, held out or not).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import sqlite_utils

from core import store
from core.model.errors import InputError

_PLAN_RUN_COLUMNS = {
    "plan_id": int,
    "created_at": str,
    "author": str,
    "send_date": str,
    "as_of": str,
    "holdout": float,
    "holdout_key": str,
    "customers": int,
    "held_out": int,
    "source": str,
}


def _plan_tables(db: sqlite_utils.Database) -> None:
    with db.conn:
        db["plan_runs"].create(_PLAN_RUN_COLUMNS, pk="plan_id", if_not_exists=True)
        db["plan_assignments"].create(
            {"plan_id": int, "customer_id": str, "rule": str, "action": str, "holdout": int},
            pk=("plan_id", "customer_id"),
            if_not_exists=True,
        )


def record_plan(
    path: str | Path | None,
    assignments: pl.DataFrame,
    *,
    send_date: date,
    holdout: float,
    holdout_key: str,
    as_of: date | str | None = None,
    author: str = "",
    source: str = "",
) -> int:
    """Record an exported action plan with its holdout: one row in `plan_runs`, one per customer
    (customer_id, rule, action, holdout) in `plan_assignments`. Returns the plan_id."""
    missing = [
        c for c in ("customer_id", "rule", "action", "holdout") if c not in assignments.columns
    ]
    if missing:
        raise InputError(f"the plan has no column {missing[0]!r}")
    with store.connected(path) as db:
        _plan_tables(db)
        with db.conn:  # one transaction: the run and its customers, or neither
            runs = db["plan_runs"]
            runs.insert(
                {
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "author": author or "unknown",
                    "send_date": send_date.isoformat(),
                    "as_of": str(as_of) if as_of is not None else None,
                    "holdout": float(holdout),
                    "holdout_key": holdout_key,
                    "customers": assignments.height,
                    "held_out": int(assignments["holdout"].sum()),
                    "source": source,
                }
            )
            plan_id = int(runs.last_pk)
            rows = assignments.select(
                pl.lit(plan_id).alias("plan_id"),
                pl.col("customer_id").cast(pl.Utf8),
                "rule",
                "action",
                pl.col("holdout").cast(pl.Int64),
            )
            db["plan_assignments"].insert_all(rows.to_dicts(), batch_size=2000)
    return plan_id


def plan_runs(path: str | Path | None = None) -> pl.DataFrame:
    """Recorded action plans, newest first (empty when none is recorded yet)."""
    schema = {
        c: {int: pl.Int64, float: pl.Float64, str: pl.Utf8}[t] for c, t in _PLAN_RUN_COLUMNS.items()
    }
    path = Path(path) if path is not None else store.default_db_path()
    if not path.exists():
        return pl.DataFrame(schema=schema)
    with store.connected(path) as db:
        _plan_tables(db)
        rows = list(db.query("SELECT * FROM plan_runs ORDER BY plan_id DESC"))
    return pl.DataFrame(rows, schema=schema)


def plan_assignments(path: str | Path | None, plan_id: int) -> pl.DataFrame:
    """The customers of a recorded plan: customer_id, rule, action, holdout (bool)."""
    with store.connected(path) as db:
        _plan_tables(db)
        rows = list(
            db.query(
                "SELECT customer_id, rule, action, holdout FROM plan_assignments "
                "WHERE plan_id = ? ORDER BY customer_id",
                [int(plan_id)],
            )
        )
    schema = {"customer_id": pl.Utf8, "rule": pl.Utf8, "action": pl.Utf8, "holdout": pl.Int64}
    if not rows:
        raise InputError(f"there is no recorded plan {plan_id}")
    return pl.DataFrame(rows, schema=schema).with_columns(pl.col("holdout").cast(pl.Boolean))
