"""The workspace database (SQLite via sqlite-utils): rule sets with their history, insight runs
and the latest insights per customer, readable by any BI tool.

Tables:
- `rule_set_versions`: every saved version of every rule set (rule_set, version, rules as JSON,
  author, created_at, changes = what changed since the previous version). Restoring an old
  version saves it again as the newest, so history is never rewritten.
- `insight_runs`: one row per "save run" (run_id, created_at, author, rule_set, version, as_of,
  customers, matched, revenue, rules JSON, source).
- `insights`: one row per (customer_id, rule), upserted by every run, with reason, action,
  confidence, priority, key metrics and the run_id that last wrote it.
- view `latest_insights`: the rows written by the newest run.

The database runs in WAL mode with a busy timeout, and every write is one `BEGIN IMMEDIATE`
transaction, so several writers (the app and a nightly job) can share a file safely.
Which file a visitor's rules go to (a private one per browser session, or a shared one) is
decided in core.workspace.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import sqlite_utils

from core.errors import InputError
from core.rules import Rule, diff_rules, rules_from_json, rules_to_json

DB_ENV = "CUSTOMER_PULSE_DB"
DEFAULT_RULE_SET = "default"
BUSY_TIMEOUT_S = 30.0

_INSIGHT_COLUMNS: dict[str, type] = {
    "customer_id": str,
    "rule": str,
    "reason": str,
    "action": str,
    "confidence": str,
    "priority": int,
    "recency_days": int,
    "orders": int,
    "revenue": float,
    "aov": float,
    "status": str,
    "rfm_segment": str,
    "expected_clv_365d": float,
    "run_id": int,
    "updated_at": str,
}


def default_db_path() -> Path:
    """$CUSTOMER_PULSE_DB, else workspace.db in the user's home folder (~/.customer_pulse).
    For the command line and scripts; the app uses a Workspace (per session unless shared)."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env)
    return Path.home() / ".customer_pulse" / "workspace.db"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextmanager
def _write(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One write transaction that takes the write lock up front (no upgrade deadlocks)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    else:
        db.commit()


def open_db(path: str | Path | None = None) -> sqlite_utils.Database:
    """Open (creating when needed) the workspace database in WAL mode with its tables."""
    path = Path(path) if path is not None else default_db_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, check_same_thread=False)
        db = sqlite_utils.Database(conn)
        db.enable_wal()
    except (OSError, sqlite3.Error) as exc:
        raise InputError(f"cannot open the workspace database: {exc}", file=str(path)) from None
    try:
        _create_tables(db)
    except sqlite3.Error as exc:
        db.close()
        raise InputError(f"cannot use the workspace database: {exc}", file=str(path)) from None
    return db


def _create_tables(db: sqlite_utils.Database) -> None:
    with _write(db):
        db["rule_set_versions"].create(
            {
                "id": int,
                "rule_set": str,
                "version": int,
                "rules": str,
                "author": str,
                "created_at": str,
                "changes": str,
            },
            pk="id",
            not_null={"rule_set", "version", "rules"},
            if_not_exists=True,
        )
        db.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS idx_rule_set_version "
            "ON rule_set_versions (rule_set, version)"
        )
        db["insight_runs"].create(
            {
                "run_id": int,
                "created_at": str,
                "author": str,
                "rule_set": str,
                "rule_set_version": int,
                "as_of": str,
                "customers": int,
                "matched": int,
                "revenue": float,
                "rules": str,
                "source": str,
            },
            pk="run_id",
            if_not_exists=True,
        )
        db["insights"].create(_INSIGHT_COLUMNS, pk=("customer_id", "rule"), if_not_exists=True)
        db.execute(
            "CREATE VIEW IF NOT EXISTS latest_insights AS SELECT * FROM insights "
            "WHERE run_id = (SELECT MAX(run_id) FROM insight_runs)"
        )


# ---------------------------------------------------------------- rule sets
def rule_set_names(db: sqlite_utils.Database) -> list[str]:
    rows = db.execute("SELECT DISTINCT rule_set FROM rule_set_versions ORDER BY rule_set")
    return [r[0] for r in rows.fetchall()]


def _latest(db: sqlite_utils.Database, name: str) -> tuple[int, str] | None:
    row = db.execute(
        "SELECT version, rules FROM rule_set_versions WHERE rule_set = ? "
        "ORDER BY version DESC LIMIT 1",
        [name],
    ).fetchone()
    return (int(row[0]), row[1]) if row else None


def save_rule_set(
    db: sqlite_utils.Database,
    rules: Sequence[Rule],
    *,
    name: str = DEFAULT_RULE_SET,
    author: str = "",
    note: str = "",
) -> int:
    """Save `rules` as the newest version of rule set `name`; returns its version number.

    Saving rules identical to the newest version records nothing and returns that version.
    `changes` lists what changed (added / removed / changed rules) plus the optional note.
    """
    name = name.strip() or DEFAULT_RULE_SET
    text = rules_to_json(rules)
    with _write(db):
        latest = _latest(db, name)
        if latest and latest[1] == text:
            return latest[0]
        old = rules_from_json(latest[1]) if latest else []
        changes = diff_rules(old, rules) if latest else [f"created with {len(rules)} rules"]
        if note:
            changes.insert(0, note)
        version = (latest[0] if latest else 0) + 1
        db["rule_set_versions"].insert(
            {
                "rule_set": name,
                "version": version,
                "rules": text,
                "author": author or "unknown",
                "created_at": _now(),
                "changes": json.dumps(changes, ensure_ascii=False),
            }
        )
    return version


def load_rule_set(
    db: sqlite_utils.Database, name: str = DEFAULT_RULE_SET, version: int | None = None
) -> list[Rule] | None:
    """The rules of version `version` (default: the newest) of rule set `name`, or None."""
    if version is None:
        latest = _latest(db, name)
        return rules_from_json(latest[1], source=f"rule set {name!r}") if latest else None
    row = db.execute(
        "SELECT rules FROM rule_set_versions WHERE rule_set = ? AND version = ?", [name, version]
    ).fetchone()
    return rules_from_json(row[0], source=f"rule set {name!r} v{version}") if row else None


def rule_set_history(db: sqlite_utils.Database, name: str = DEFAULT_RULE_SET) -> pl.DataFrame:
    """Versions of a rule set, newest first: version, created_at, author, rules, changes."""
    rows = db.execute(
        "SELECT version, created_at, author, rules, changes FROM rule_set_versions "
        "WHERE rule_set = ? ORDER BY version DESC",
        [name],
    ).fetchall()
    return pl.DataFrame(
        {
            "version": [r[0] for r in rows],
            "created_at": [r[1] for r in rows],
            "author": [r[2] for r in rows],
            "rules": [len(json.loads(r[3])) for r in rows],
            "changes": ["; ".join(json.loads(r[4] or "[]")) for r in rows],
        },
        schema={
            "version": pl.Int64,
            "created_at": pl.Utf8,
            "author": pl.Utf8,
            "rules": pl.Int64,
            "changes": pl.Utf8,
        },
    )


def restore_rule_set(
    db: sqlite_utils.Database, version: int, *, name: str = DEFAULT_RULE_SET, author: str = ""
) -> int:
    """Make an older version the newest again (a new version, so history stays intact)."""
    rules = load_rule_set(db, name, version)
    if rules is None:
        raise InputError(f"rule set {name!r} has no version {version}")
    return save_rule_set(db, rules, name=name, author=author, note=f"restored version {version}")


# ---------------------------------------------------------------- insight runs
def save_run(
    db: sqlite_utils.Database,
    insights: pl.DataFrame,
    rules: Sequence[Rule],
    *,
    customers: int,
    as_of: date | str | None = None,
    author: str = "",
    rule_set: str = DEFAULT_RULE_SET,
    rule_set_version: int | None = None,
    source: str = "",
) -> int:
    """Record a run in `insight_runs` and upsert its insights keyed by (customer_id, rule),
    all in one transaction. Returns the run_id. Running twice never duplicates rows."""
    missing = [c for c in ("customer_id", "rule", "reason", "action") if c not in insights.columns]
    if missing:
        raise InputError(f"the insights table has no column {missing[0]!r}")
    now = _now()
    keep = [c for c in _INSIGHT_COLUMNS if c in insights.columns]
    revenue = float(insights["revenue"].sum()) if "revenue" in insights.columns else 0.0
    with _write(db):
        runs = db["insight_runs"]
        runs.insert(
            {
                "created_at": now,
                "author": author or "unknown",
                "rule_set": rule_set,
                "rule_set_version": rule_set_version,
                "as_of": str(as_of) if as_of is not None else None,
                "customers": int(customers),
                "matched": insights.height,
                "revenue": revenue,
                "rules": rules_to_json(rules),
                "source": source,
            }
        )
        run_id = int(runs.last_pk)
        records = insights.select(keep).with_columns(
            pl.lit(run_id).alias("run_id"), pl.lit(now).alias("updated_at")
        )
        if records.height:
            _upsert_insights(db, records)
    return run_id


def _upsert_insights(db: sqlite_utils.Database, records: pl.DataFrame) -> None:
    """Insert the rows, replacing the row of the same (customer_id, rule): one statement run
    over all rows (SQLite's upsert). sqlite-utils' upsert_all builds each batch in Python:
    3x slower at 60,000 rows. A database from before a column existed gets it first."""
    table = db["insights"]
    have = table.columns_dict
    for column in records.columns:
        if column not in have:
            table.add_column(column, _INSIGHT_COLUMNS[column])
    cols = records.columns
    names = ", ".join(f'"{c}"' for c in cols)
    update = ", ".join(f'"{c}" = excluded."{c}"' for c in cols if c not in ("customer_id", "rule"))
    db.conn.executemany(
        f"INSERT INTO insights ({names}) VALUES ({', '.join('?' * len(cols))}) "
        f"ON CONFLICT (customer_id, rule) DO UPDATE SET {update}",
        records.iter_rows(),
    )


def insight_runs(
    db: sqlite_utils.Database, limit: int = 50, *, rule_set: str | None = None
) -> pl.DataFrame:
    """Recent runs, newest first (without the rules JSON); only one rule set's when given."""
    where, params = ("WHERE rule_set = ? ", [rule_set]) if rule_set is not None else ("", [])
    rows = list(
        db.query(
            "SELECT run_id, created_at, author, rule_set, rule_set_version, as_of, customers, "
            f"matched, revenue, source FROM insight_runs {where}ORDER BY run_id DESC LIMIT ?",
            [*params, limit],
        )
    )
    schema = {
        "run_id": pl.Int64,
        "created_at": pl.Utf8,
        "author": pl.Utf8,
        "rule_set": pl.Utf8,
        "rule_set_version": pl.Int64,
        "as_of": pl.Utf8,
        "customers": pl.Int64,
        "matched": pl.Int64,
        "revenue": pl.Float64,
        "source": pl.Utf8,
    }
    return pl.DataFrame(rows, schema=schema)


def latest_insights(db: sqlite_utils.Database) -> pl.DataFrame:
    """The insights written by the newest run (what a BI tool reads)."""
    rows: list[dict[str, Any]] = list(db.query("SELECT * FROM latest_insights"))
    if not rows:
        return pl.DataFrame(schema={c: pl.Utf8 for c in ("customer_id", "rule", "reason")})
    return pl.DataFrame(rows, infer_schema_length=None)


def count_insights(db: sqlite_utils.Database) -> int:
    return int(db.execute("SELECT COUNT(*) FROM insights").fetchone()[0])


# ---------------------------------------------------------------- one call per page action
@contextmanager
def connected(path: str | Path | None = None) -> Iterator[sqlite_utils.Database]:
    """The workspace database, opened for a `with` block and closed after it."""
    db = open_db(path)
    try:
        yield db
    finally:
        db.close()


def newest_rules(
    path: str | Path | None = None, *, rule_set: str = DEFAULT_RULE_SET
) -> list[Rule] | None:
    """The newest saved version of a rule set, None when nothing is saved yet
    (a missing database file is not created)."""
    path = Path(path) if path is not None else default_db_path()
    if not path.exists():
        return None
    with connected(path) as db:
        return load_rule_set(db, rule_set)


def autosave(
    path: str | Path | None,
    rules: Sequence[Rule],
    *,
    before: Sequence[Rule] | None = None,
    author: str = "",
    note: str = "",
    rule_set: str = DEFAULT_RULE_SET,
) -> int:
    """Save `rules` as a new version; on the very first save `before` (the rules the user
    started from) is recorded first as "starting point", so the change itself has a diff."""
    with connected(path) as db:
        if before is not None and load_rule_set(db, rule_set) is None:
            save_rule_set(db, before, name=rule_set, author=author, note="starting point")
        return save_rule_set(db, rules, name=rule_set, author=author, note=note)


def restore(
    path: str | Path | None,
    version: int,
    *,
    author: str = "",
    rule_set: str = DEFAULT_RULE_SET,
) -> tuple[int, list[Rule]]:
    """Restore `version` as the newest version: (new version number, its rules)."""
    with connected(path) as db:
        new = restore_rule_set(db, version, name=rule_set, author=author)
        return new, load_rule_set(db, rule_set) or []


def record_run(
    path: str | Path | None,
    insights: pl.DataFrame,
    rules: Sequence[Rule],
    *,
    customers: int,
    as_of: date | str | None = None,
    author: str = "",
    source: str = "",
    rule_set: str = DEFAULT_RULE_SET,
) -> tuple[int, int]:
    """Save the rules (a version, when they changed) and the run: (rule-set version, run_id)."""
    with connected(path) as db:
        version = save_rule_set(db, rules, name=rule_set, author=author)
        run_id = save_run(
            db,
            insights,
            rules,
            customers=customers,
            as_of=as_of,
            author=author,
            rule_set=rule_set,
            rule_set_version=version,
            source=source,
        )
    return version, run_id


def history(
    path: str | Path | None = None, *, rule_set: str = DEFAULT_RULE_SET
) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    """(versions of the rule set, runs saved with it), None when the database file does not
    exist yet."""
    path = Path(path) if path is not None else default_db_path()
    if not path.exists():
        return None
    with connected(path) as db:
        return rule_set_history(db, rule_set), insight_runs(db, rule_set=rule_set)


__all__ = [
    "DB_ENV",
    "DEFAULT_RULE_SET",
    "autosave",
    "connected",
    "count_insights",
    "default_db_path",
    "history",
    "insight_runs",
    "latest_insights",
    "load_rule_set",
    "newest_rules",
    "open_db",
    "record_run",
    "restore",
    "restore_rule_set",
    "rule_set_history",
    "rule_set_names",
    "save_rule_set",
    "save_run",
]
