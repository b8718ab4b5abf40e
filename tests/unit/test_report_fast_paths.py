"""The fast paths of `report` give the figures of the checked slow paths.

- core.model.ids.counting_ids: integer codes count and group exactly like the text ids (orders
  adjacent or not, null ids, one line).
- Breakdowns group the lines by raw value and label the groups: the same rows as labelling every
  line first (blanks, whitespace, nulls, "(missing)" itself, numbers, true/false, categoricals,
  with and without a previous period).
- report() on every readable test file: the same JSON as with the ids left as text.
- The Overview's kpis_and_monthly (one collect): kpis() and monthly() called one by one, on every
  readable test file, with and without an earlier as-of; its month comparison on coded ids: the
  same as on the text ids; the Sales comparison (the total customers counted once) equals
  kpis() per period and skips last year on request; the root cause (the two periods' lines
  built once) equals change_contributions and revenue_bridge called one by one.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core import metrics, sales
from core.errors import InputError
from core.ingest import load_orders
from core.metrics import compute
from core.model.ids import counting_ids
from core.model.settings import Settings
from core.sales.breakdowns import _segment_aggs

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(
    p
    for pattern in ("data/*.csv", "tests/data/*.csv", "tests/data/real/*.csv", "tests/data/messy/*")
    for p in ROOT.glob(pattern)
)


def _ids_frame(order_ids: list[str | None], customer_ids: list[str | None]) -> pl.DataFrame:
    n = len(order_ids)
    return pl.DataFrame(
        {
            "order_id": order_ids,
            "customer_id": customer_ids,
            "group": [i % 3 for i in range(n)],
            "revenue": [float(i) for i in range(n)],
        },
        schema_overrides={"order_id": pl.Utf8, "customer_id": pl.Utf8},
    )


def _counts(df: pl.DataFrame) -> tuple[list, list]:
    total = df.select(pl.col("order_id", "customer_id").n_unique()).row(0)
    by = (
        df.group_by("group")
        .agg(pl.col("order_id", "customer_id").n_unique(), pl.len())
        .sort("group")
        .rows()
    )
    per_customer = df.group_by("customer_id").agg(pl.col("order_id").n_unique()).height
    return [*total, per_customer], by


@pytest.mark.parametrize(
    ("orders", "customers", "coded"),
    [
        (["o1", "o1", "o2", "o3", "o3", "o3"], ["a", "a", "b", "a", "a", "c"], True),  # sorted
        (["o9", "o9", "o2", "o5", "o5", "o1"], ["a", "a", "b", "a", "a", "c"], True),  # adjacent
        (["o3", "o1", "o3", "o2", "o2", "o1"], ["a", "b", "a", "c", "c", "b"], False),  # apart
        ([None, None, "o2", "o1", "o1", "o3"], ["a", None, None, "b", "b", "a"], True),
        (["o2", None, "o2", None, "o1", "o1"], ["a", "a", "b", "b", None, "c"], False),
        (["o1", "o2", None, "o3", None, "o4"], ["a", "b", "c", "d", "e", "f"], False),
        (["o1"], ["a"], True),
    ],
)
def test_counting_ids_count_and_group_like_the_ids(orders, customers, coded):
    df = _ids_frame(orders, customers)
    codes = counting_ids(df)
    assert codes.schema["customer_id"].is_integer()
    assert codes.schema["order_id"].is_integer() is coded
    assert _counts(codes) == _counts(df)
    for sub in (df.filter(pl.col("group") != 1), df.head(3), df.tail(2)):
        assert _counts(
            counting_ids(df).filter(pl.col("revenue").is_in(sub["revenue"].implode()))
        ) == (_counts(sub))


def test_counting_ids_on_shuffled_benchmark_like_lines():
    """Ten thousand lines, orders adjacent, then the same lines shuffled (orders apart)."""
    n = 10_000
    df = pl.DataFrame(
        {
            "order_id": [f"O{i // 3:05d}" for i in range(n)],
            "customer_id": [f"C{(i // 3 * 7919) % 997:04d}" for i in range(n)],
            "group": [i % 5 for i in range(n)],
            "revenue": [float(i % 100) for i in range(n)],
        }
    )
    for frame in (df, df.sample(fraction=1.0, shuffle=True, seed=7)):
        assert _counts(counting_ids(frame)) == _counts(frame)


def _reference(orders: pl.DataFrame, dimension: str) -> pl.DataFrame:
    """The checked slow path: every line labelled, then grouped by label."""
    return (
        sales.label_dimension(orders, dimension)
        .group_by("value")
        .agg(_segment_aggs(orders))
        .sort("value")
    )


@pytest.fixture
def odd_values() -> pl.DataFrame:
    """Dimension values that labelling merges or rewrites."""
    n = 40
    text = ["North", " ", "", None, "  South ", "(missing)", "North", "\t"]
    return pl.DataFrame(
        {
            "customer_id": [f"c{i % 9}" for i in range(n)],
            "order_id": [f"o{i // 2}" for i in range(n)],
            "order_date": [date(2024, 1 + i % 4, 1 + i % 27) for i in range(n)],
            "revenue": [float(10 + i) for i in range(n)],
            "cost": [float(i % 7) for i in range(n)],
            "status": ["delivered", "returned", None, "cancelled"] * 10,
            "region": [text[i % len(text)] for i in range(n)],
            "clean": [["East", "West", None][i % 3] for i in range(n)],
            "blank_only": [["a", " "][i % 2] for i in range(n)],
            "age": [18 + (i * 7) % 50 for i in range(n)],
            "few": [(i % 3) * 1.5 for i in range(n)],
            "vip": [i % 4 == 0 for i in range(n)],
            "tier": pl.Series([["gold", "silver", None][i % 3] for i in range(n)]).cast(
                pl.Categorical
            ),
        }
    )


DIMS = ["region", "clean", "blank_only", "status", "age", "few", "vip", "tier"]


@pytest.mark.parametrize("dimension", DIMS)
def test_breakdown_by_raw_values_matches_labelling_every_line(odd_values, dimension):
    fast = sales.breakdown(odd_values, dimension)
    ref = _reference(odd_values, dimension)
    cols = [c for c in ref.columns if c in fast.columns]
    assert_frame_equal(fast.select(cols).sort("value"), ref.select(cols), rel_tol=1e-12)


@pytest.mark.parametrize("dimension", DIMS)
def test_breakdown_with_previous_matches_the_concatenated_path(odd_values, dimension):
    cur = odd_values.filter(pl.col("order_date") >= date(2024, 3, 1))
    prev = odd_values.filter(pl.col("order_date") < date(2024, 3, 1))
    fast = sales.breakdown(cur, dimension, previous=prev).sort("value")
    # the slow path: both periods labelled together (numbers binned over both), then split
    both = pl.concat([cur.with_columns(_cur=pl.lit(True)), prev.with_columns(_cur=pl.lit(False))])
    labelled = sales.label_dimension(both, dimension)
    now = labelled.filter("_cur").group_by("value").agg(_segment_aggs(cur))
    before = (
        labelled.filter(~pl.col("_cur"))
        .group_by("value")
        .agg(pl.col("revenue").sum().alias("previous_revenue"))
    )
    ref = now.join(before, on="value", how="left").sort("value")
    assert fast["value"].to_list() == ref["value"].to_list()
    for col in ("revenue", "orders", "customers", "profit", "returned_revenue"):
        assert fast[col].to_list() == pytest.approx(ref[col].to_list())
    assert fast["previous_revenue"].to_list() == pytest.approx(
        ref["previous_revenue"].fill_null(0.0).to_list()
    )


def test_report_breakdowns_match_breakdown(odd_values):
    dims = sales.dimension_columns(odd_values)
    assert {"region", "age", "vip", "tier"} <= set(dims)
    fast = sales.breakdowns(odd_values)
    for d in dims:
        slow = sales.breakdown(odd_values, d).select(
            "value", "revenue", "orders", "customers", "share"
        )
        assert_frame_equal(pl.DataFrame(fast[d], schema=slow.schema), slow, rel_tol=1e-12)


def _same(a, b, path=""):
    """Equal JSON, floats to 1e-12 relative (polars sums groups in no fixed order)."""
    if isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9), path
    elif isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            _same(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{path}[{i}]")
    else:
        assert a == b, path


def _loaded(path: Path):
    """The file as core.ingest loads it; the test is skipped for a file that is not orders."""
    try:
        return load_orders(path)
    except InputError:
        pytest.skip("not an orders file")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_report_with_integer_ids_equals_report_with_text_ids(path, monkeypatch):
    loaded = _loaded(path)
    fast = metrics.report(loaded)
    fast_kpis = metrics.kpis(loaded.orders, returns=loaded.returns)
    monkeypatch.setattr(compute, "counting_ids", lambda df: df)
    _same(fast, metrics.report(loaded))
    _same(fast_kpis, metrics.kpis(loaded.orders, returns=loaded.returns))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_kpis_and_monthly_equal_kpis_and_monthly_one_by_one(path):
    loaded = _loaded(path)
    orders = loaded.orders
    dates = orders["order_date"].drop_nulls()
    for as_of in [None] + ([dates.sort()[dates.len() // 2]] if dates.len() else []):
        k, m = metrics.kpis_and_monthly(orders, Settings(as_of, 90, 60), returns=loaded.returns)
        _same(k, metrics.kpis(orders, as_of=as_of, returns=loaded.returns))
        assert_frame_equal(
            m, metrics.monthly(orders, as_of or (dates.max() if dates.len() else None))
        )


def _history() -> tuple[pl.DataFrame, sales.Period, sales.Period]:
    orders = load_orders(ROOT / "data" / "orders.csv").orders
    rng = sales.date_range(orders)
    month = sales.period_presets(rng.start, rng.end)["Last full month"]
    return orders, month.previous(), month


def test_compare_kpis_equals_kpis_per_period_and_can_leave_out_last_year():
    orders, _, month = _history()
    fs = sales.first_orders(orders)
    total = orders["customer_id"].n_unique()
    cmp = sales.compare_kpis(orders, month)
    assert cmp.current == sales.kpis(orders, month, first_seen=fs, total_customers=total)
    assert cmp.previous == sales.kpis(orders, month.previous(), first_seen=fs)
    assert cmp.last_year == sales.kpis(orders, month.last_year(), first_seen=fs)
    short = sales.compare_kpis(orders, month, last_year=False)
    assert short.last_year is None
    assert (short.current, short.previous) == (cmp.current, cmp.previous)


def test_explain_change_equals_its_parts_one_by_one():
    orders, before, month = _history()
    dims = ["region", "category", "channel"]
    why = sales.explain_change(orders, before, month, dims)
    assert why.bridge == sales.revenue_bridge(orders, before, month)
    for d in dims:
        assert_frame_equal(
            why.contributions[d], sales.change_contributions(orders, before, month, d)
        )


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_overview_figures_equal_their_parts_on_the_text_ids(path):
    loaded = _loaded(path)
    orders, settings = loaded.orders, Settings(None, 90, 60)
    k, m, change = metrics.overview_figures(orders, settings, returns=loaded.returns)
    k2, m2 = metrics.kpis_and_monthly(orders, settings, returns=loaded.returns)
    _same(k, k2)
    assert_frame_equal(m, m2)
    text = sales.last_month_change(orders)
    assert (change is None) == (text is None)
    if change is not None:  # (sums to 1e-12: a join keeps no fixed order)
        assert (change.period, change.previous_period) == (text.period, text.previous_period)
        _same(change.current.as_dict(), text.current.as_dict())
        _same(change.previous.as_dict(), text.previous.as_dict())
