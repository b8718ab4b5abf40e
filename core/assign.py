"""Creating an experiment: deterministic hashed assignment of customers to variants.

Owns the assignment step that comes before an A/B test. Each unit id is hashed with the
experiment's salt (FNV-1a 32-bit of "salt:unit", as GrowthBook's SDKs hash ids) into a bucket in
[0, 1); the bucket picks the variant from the cumulative target split. The same id and salt always
give the same variant, on any machine and any polars version (the hash is computed with numpy,
not polars' version-dependent hash). With stratification, units are ranked by their bucket inside
each stratum and dealt out in proportion to the split, so every stratum matches the split almost
exactly. Also reads the split and variant names as a user types them, and picks the customers
(by status and RFM segment) to assign.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import polars as pl

from core.errors import InputError
from core.model.status import STATUS_LABELS, STATUSES

FNV_OFFSET = np.uint32(2166136261)
FNV_PRIME = np.uint32(16777619)


def fnv1a32(values: pl.Series | Sequence[str]) -> np.ndarray:
    """FNV-1a 32-bit hash of each string's UTF-8 bytes, vectorised over the strings.

    Loops over byte positions (at most the longest id), never over rows.
    """
    s = pl.Series(values, dtype=pl.Utf8) if not isinstance(values, pl.Series) else values
    raw = s.cast(pl.Utf8).fill_null("").cast(pl.Binary)
    lengths = raw.bin.size().to_numpy().astype(np.int64)
    h = np.full(len(raw), FNV_OFFSET, dtype=np.uint32)
    if len(raw) == 0:
        return h
    width = int(lengths.max()) if len(lengths) else 0
    # the bytes of all strings back to back (Arrow large_binary buffers) and each one's start
    arr = raw.rechunk().to_arrow(compat_level=pl.CompatLevel.oldest())
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    flat = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(1, np.uint8)
    )
    starts = offsets[:-1]
    for j in range(width):
        active = lengths > j
        byte = np.zeros(len(raw), dtype=np.uint32)
        byte[active] = flat[starts[active] + j]
        updated = (h ^ byte) * FNV_PRIME  # uint32 arithmetic wraps modulo 2^32
        h = np.where(active, updated, h)
    return h


def buckets(units: pl.Series | Sequence[str], salt: str) -> np.ndarray:
    """Bucket in [0, 1) per unit: (fnv1a32(salt + ':' + unit) mod 10000) / 10000."""
    s = pl.Series(units).cast(pl.Utf8)
    keyed = pl.select(pl.lit(f"{salt}:") + s).to_series()
    return (fnv1a32(keyed) % np.uint32(10000)).astype(np.float64) / 10000.0


def _weights(variants: Sequence[str], split: Sequence[float] | None) -> np.ndarray:
    if len(variants) < 2:
        raise InputError("an experiment needs at least two variants")
    if len(set(variants)) != len(variants):
        raise InputError("variant names must be different from each other")
    w = np.ones(len(variants)) if split is None else np.asarray(split, dtype=float)
    if len(w) != len(variants):
        raise InputError(f"the split has {len(w)} shares for {len(variants)} variants")
    if (w < 0).any() or w.sum() <= 0 or not np.isfinite(w).all():
        raise InputError("the split shares must be non-negative numbers that add up to more than 0")
    return w / w.sum()


def assign(
    units: pl.DataFrame,
    variants: Sequence[str] = ("control", "treatment"),
    split: Sequence[float] | None = None,
    salt: str = "experiment",
    unit: str = "customer_id",
    strata: str | None = None,
) -> pl.DataFrame:
    """Assign each unit (row of `units`, id in column `unit`) to a variant.

    Returns `units` (one row per distinct id, first row kept) with `bucket` and `variant` columns
    added. Without strata the bucket alone decides (stable when units are added later); with
    `strata` the split is matched within each stratum by ranking on the bucket.
    """
    if unit not in units.columns:
        raise InputError(f"there is no column {unit!r} with the unit ids", column=unit)
    if strata is not None and strata not in units.columns:
        raise InputError(f"there is no column {strata!r} to stratify on", column=strata)
    w = _weights(variants, split)
    df = units.filter(pl.col(unit).is_not_null()).unique(
        subset=[unit], keep="first", maintain_order=True
    )
    if df.height == 0:
        raise InputError("there are no units to assign", column=unit)
    cum = np.cumsum(w)
    cum[-1] = 1.0
    b = buckets(df[unit], salt)
    df = df.with_columns(pl.Series("bucket", b))
    if strata is None:
        position = pl.col("bucket")
    else:
        # rank inside the stratum (ties broken by id, deterministic), mid-point of each rank
        df = df.sort(["bucket", unit])
        position = (pl.col("bucket").rank("ordinal").over(strata) - 0.5) / pl.len().over(strata)
    idx = df.select(position.alias("p"))["p"].to_numpy()
    which = np.searchsorted(cum, idx, side="right").clip(0, len(variants) - 1)
    out = df.with_columns(
        pl.Series("variant", np.asarray(variants, dtype=object)[which], dtype=pl.Utf8)
    )
    if strata is not None:  # back to the input order
        order = units.select(unit).unique(keep="first", maintain_order=True).with_row_index("_i")
        out = out.join(order, on=unit, how="left").sort("_i").drop("_i")
    return out


def split_summary(assigned: pl.DataFrame, strata: str | None = None) -> pl.DataFrame:
    """Units and share per variant (per stratum when given), to check the split."""
    keys = [strata, "variant"] if strata else ["variant"]
    total = pl.len().over(strata) if strata else pl.len()
    return (
        assigned.with_columns(total.alias("_total"))
        .group_by(keys)
        .agg(pl.len().alias("units"), pl.col("_total").first())
        .with_columns((pl.col("units") / pl.col("_total")).alias("share"))
        .drop("_total")
        .sort(keys)
    )


# ---------------------------------------------------------------- what the user types and picks
def parse_split(text: str, n: int) -> tuple[float, ...] | None:
    """Shares per variant from text such as '50/50', '20, 80' or '1:1:2'; blank means equal.

    Raises InputError unless there are exactly `n` positive numbers."""
    parts = [p for p in re.split(r"[/,:;]", text or "") if p.strip()]
    if not parts:
        return None
    try:
        shares = tuple(float(p) for p in parts)
    except ValueError:
        raise InputError(f"the intended split {text!r} is not numbers like 50/50") from None
    if len(shares) != n or not all(np.isfinite(shares)) or min(shares) <= 0:
        raise InputError(f"the intended split needs {n} positive shares (one per variant)")
    return shares


def parse_variants(text: str) -> list[str]:
    """Variant names from a comma-separated text: 'control, offer' -> ['control', 'offer']."""
    return [v.strip() for v in (text or "").split(",") if v.strip()]


def unit_choices(table: pl.DataFrame) -> tuple[list[str], list[str]]:
    """The statuses (in the order active, at_risk, churned) and the RFM segments (sorted) present
    in a customer metrics table, for the pickers of the customers to assign."""
    present = set(table["status"].drop_nulls().unique().to_list())
    statuses = [s for s in STATUSES if s in present]
    segments = sorted(table["rfm_segment"].drop_nulls().unique().to_list())
    return statuses, segments


UNIT_COLUMNS = ("customer_id", "status", "rfm_segment", "value_tier", "revenue")


def pick_units(
    table: pl.DataFrame, statuses: Sequence[str] = (), segments: Sequence[str] = ()
) -> pl.DataFrame:
    """Customers of the metrics table with one of `statuses` and one of `segments` (empty: any),
    as customer_id, status (shown as Active / At risk / Churned), rfm_segment, value_tier, revenue.
    """
    cond = pl.lit(True)
    if statuses:
        cond &= pl.col("status").is_in(list(statuses))
    if segments:
        cond &= pl.col("rfm_segment").is_in(list(segments))
    return table.filter(cond).select(
        pl.col("customer_id"),
        pl.col("status").replace(STATUS_LABELS),
        *UNIT_COLUMNS[2:],
    )
