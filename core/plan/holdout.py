"""A holdout to keep measuring: every action's export sets aside a random, reproducible share of
its customers (hashed assignment, as core.assign does it: the same id and key always give the
same answer), and later, from a newer orders file, "treated vs held out since the send date"
becomes an experiment file for the A/B page (retained = ordered within N days of sending).
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from core.assign import buckets
from core.model.errors import InputError
from core.model.schema import Frame, as_lazy

DEFAULT_HOLDOUT = 0.10
DEFAULT_WITHIN_DAYS = 60
TREATED, HELD_OUT = "treated", "holdout"


def check_share(share: float) -> float:
    if not 0 <= share < 1:
        raise InputError(f"the holdout is a share between 0 and 1 (e.g. 0.1), got {share}")
    return float(share)


def holdout_key(as_of: date) -> str:
    """The hashing key of a plan's holdout: the same plan (as-of date) holds out the same
    customers; a later plan draws a new holdout."""
    return f"plan-holdout:{as_of.isoformat()}"


def holdout_flags(customer_ids: pl.Series, share: float, key: str) -> pl.Series:
    """True for the customers held out: hashed bucket of (key, customer id) below `share`."""
    check_share(share)
    return pl.Series("holdout", buckets(customer_ids, key) < share, dtype=pl.Boolean)


def outcome_experiment(
    assignments: pl.DataFrame,
    orders: Frame,
    send_date: date,
    within_days: int = DEFAULT_WITHIN_DAYS,
) -> tuple[pl.DataFrame, list[str]]:
    """Row-level experiment from a recorded plan (customer_id, rule, action, holdout) and a newer
    orders file: customer_id, group (treated / holdout), retained (1 when the customer ordered in
    the `within_days` after `send_date`), revenue in that window, rule. Also the notes to show
    (the newer file does not reach the end of the window; a group is empty)."""
    if within_days < 1:
        raise InputError(f"the window must be at least 1 day, got {within_days}")
    need = {"customer_id", "rule", "holdout"} - set(assignments.columns)
    if need:
        raise InputError(f"the recorded plan has no column {sorted(need)[0]!r}")
    end = send_date + timedelta(days=within_days)
    lf = as_lazy(orders)
    last = lf.select(pl.col("order_date").max()).collect().item()
    window = (
        lf.filter((pl.col("order_date") > send_date) & (pl.col("order_date") <= end))
        .group_by("customer_id")
        .agg(pl.col("revenue").sum().alias("revenue"))
        .collect()
    )
    frame = (
        assignments.select(
            pl.col("customer_id").cast(pl.Utf8),
            pl.when(pl.col("holdout").cast(pl.Boolean))
            .then(pl.lit(HELD_OUT))
            .otherwise(pl.lit(TREATED))
            .alias("group"),
            "rule",
        )
        .join(window, on="customer_id", how="left")
        .select(
            "customer_id",
            "group",
            pl.col("revenue").is_not_null().cast(pl.Int64).alias("retained"),
            pl.col("revenue").fill_null(0.0),
            "rule",
        )
        .sort("customer_id")
    )
    notes = []
    if last is None or last < end:
        notes.append(
            f"The newer orders end on {last}, before the end of the {within_days}-day window "
            f"({end}): customers still have time to order, so retention reads low."
        )
    for g in (TREATED, HELD_OUT):
        if frame.filter(pl.col("group") == g).height == 0:
            notes.append(f"No customer is in the {g} group: nothing to compare.")
    if frame.height and not comparable(frame):
        notes.append(
            "Within each group every customer did the same (all ordered, or none did): there "
            "is no spread to test a difference on."
        )
    return frame, notes


def comparable(frame: pl.DataFrame) -> bool:
    """True when an A/B test can compare the groups of an outcome_experiment frame: both groups
    present and retention varies inside at least one of them."""
    spread = frame.group_by("group").agg(pl.col("retained").n_unique().alias("n"))
    return spread.height == 2 and int(spread["n"].max()) > 1
