"""The hub's fast paths give the figures of the checked slow paths.

- core.model.ids.coded_ids: the ids put back from the codes are the ids (nulls included), and
  its frame is counting_ids'.
- core.model.ids.sorted_codes numbers values in their sort order; pair_key / unpair give both
  codes back, nulls included.
- core.model.attributes.customer_values (count pairs, keep the top counts, smallest value) is
  customer_value (a per-customer mode) on values with ties, nulls, NaN, numbers, true/false,
  dates, categoricals, and customers with no value at all.
- The favourite category without a global sort is the first row of the sort by revenue
  descending, then category (ties, null categories, NaN revenue).
- core.clv.summary's first-day total (arg_min) is the first row of the day-sorted totals.
- The BG/NBD likelihood with its special functions evaluated once per distinct frequency gives
  the same values and gradient, bit for bit, as evaluated on every pattern; expected
  purchases evaluated once per distinct (frequency, age) are the per-customer values.
- customer_metrics on every readable test file: the same table as the former plan (separate
  group_bys, per-group modes, a global sort) and the same table with the ids left as text.
- The CLV fit the hub keeps (metrics_with_fit) on every readable test file: core.clv.fit's on
  the same orders (summary, parameters, quality; judged again for other churn thresholds), the
  same fit diagnostics and the same Action plan value as from a fit of their own.
- The table metrics_with_fit hands over before the fit (`ready`) is customer_metrics without
  CLV, and the CLV columns put on it (with_clv_of) are its fit's customer_clv, row by row.
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core import clv, plan
from core.clv import summary
from core.errors import InputError
from core.hub import customer_base, customer_metrics, customer_table, metrics_with_fit
from core.hub import table as hub_table
from core.hub.base import attribute_columns, dated_up_to
from core.ingest import load_orders
from core.model.attributes import customer_value, customer_values
from core.model.ids import coded_ids, counting_ids, pair_key, sorted_codes, unpair
from core.model.profit import profit_expr
from core.model.schema import resolve_as_of
from tests.coded import as_text

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(
    p
    for pattern in ("data/*.csv", "tests/data/*.csv", "tests/data/real/*.csv", "tests/data/messy/*")
    for p in ROOT.glob(pattern)
)


def _load(path: Path) -> pl.DataFrame:
    try:
        return load_orders(path).orders
    except InputError:
        pytest.skip("not an orders file")


# ---------------------------------------------------------------- ids
def test_coded_ids_give_the_ids_back():
    ids = ["c2", None, "c1", "c2", "", "c10", None, "c1", " c1"]
    df = pl.DataFrame({"customer_id": ids, "order_id": [str(i) for i in range(len(ids))]})
    coded, by_code = coded_ids(df)
    assert coded["customer_id"].dtype.is_integer()
    assert by_code.gather(coded["customer_id"]).to_list() == ids
    assert_frame_equal(coded, counting_ids(df))
    # ids that are not text stay as they are, with nothing to put back
    numbers = pl.DataFrame({"customer_id": [3, 1, 3]})
    assert coded_ids(numbers)[1] is None
    assert_frame_equal(coded_ids(numbers)[0], numbers)


def test_coded_ids_on_a_sample_file():
    orders = _load(ROOT / "data" / "orders.csv")
    coded, by_code = coded_ids(orders)
    assert by_code.gather(coded["customer_id"]).equals(orders["customer_id"])


def test_sorted_codes_follow_the_values_order():
    values = pl.Series("v", ["b", None, "a", "B", "", "b", "é", "a "])
    codes, by_code = sorted_codes(values)
    assert by_code.gather(codes).to_list() == values.to_list()
    assert by_code.to_list() == sorted(v for v in set(values.to_list()) if v is not None)
    assert codes.null_count() == 1 and codes.name == "v"


def test_pair_key_gives_both_codes_back():
    df = pl.DataFrame(
        {"a": [0, 1, None, 7, None, 4_000_000], "b": [3, None, 2, 0, None, 9]},
        schema={"a": pl.UInt32, "b": pl.UInt32},
    )
    back = df.select(pair_key("a", "b")).select(unpair("a", "b"))
    assert_frame_equal(back, df)
    assert df.select(pair_key("a", "b")).n_unique() == df.height


def _coded(df: pl.DataFrame, column: str) -> tuple[pl.DataFrame, pl.Series, pl.Series]:
    coded, ids = coded_ids(df)
    codes, by_code = sorted_codes(df[column])
    return coded.with_columns(codes), ids, by_code


# ---------------------------------------------------------------- most frequent value
def _random_values(values: list, dtype: pl.DataType, seed: int) -> pl.DataFrame:
    rng = random.Random(seed)
    n = 4000
    return pl.DataFrame(
        {
            "customer_id": [rng.randrange(400) for _ in range(n)],
            "v": [rng.choice(values) for _ in range(n)],
        },
        schema={"customer_id": pl.Int64, "v": dtype},
    )


CASES = [
    (["b", "a", "B", "", None, "é", "a "], pl.Utf8),
    ([1.0, 2.0, float("nan"), None, 0.5, -3.0], pl.Float64),
    ([float("nan"), None], pl.Float64),
    ([1, 2, 3, None, -1], pl.Int64),
    ([True, False, None], pl.Boolean),
    ([date(2024, 1, 2), date(2023, 5, 1), None], pl.Date),
    ([None], pl.Utf8),
]


@pytest.mark.parametrize("values, dtype", CASES, ids=lambda c: str(c))
@pytest.mark.parametrize("seed", [0, 1])
def test_customer_values_is_customer_value(values, dtype, seed):
    df = _random_values(values, dtype, seed)
    slow = df.group_by("customer_id").agg(customer_value("v")).sort("customer_id")
    fast = (
        df.lazy()
        .select("customer_id")
        .unique()
        .join(customer_values(df.lazy(), "v"), on="customer_id", how="left")
        .sort("customer_id")
        .collect()
    )
    assert_frame_equal(fast, slow)


def test_customer_values_ties_go_to_the_smallest():
    df = pl.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "b", "c", "d", "d"],
            "v": ["y", "x", "y", "x", None, None, "z", "q", None],
        }
    )
    got = dict(customer_values(df.lazy(), "v").collect().iter_rows())
    assert got == {"a": "x", "c": "z", "d": "q"}  # b has no value


def test_customer_values_on_codes_is_customer_value():
    df = _random_values(["b", "a", "B", "", None, "é"], pl.Utf8, 4).with_columns(
        pl.format("c{}", "customer_id").alias("customer_id")
    )
    coded, ids, by_code = _coded(df, "v")
    fast = customer_values(coded.lazy(), "v").collect()
    fast = fast.select(ids.gather(fast["customer_id"]), by_code.gather(fast["v"]))
    slow = df.group_by("customer_id").agg(customer_value("v")).filter(pl.col("v").is_not_null())
    assert_frame_equal(fast.sort("customer_id"), slow.sort("customer_id"))


def test_customer_values_on_categoricals():
    df = _random_values(["b", "a", "c", None], pl.Utf8, 3).with_columns(
        pl.col("v").cast(pl.Categorical)
    )
    slow = df.group_by("customer_id").agg(customer_value("v")).sort("customer_id")
    fast = customer_values(df.lazy(), "v").collect().sort("customer_id")
    assert_frame_equal(fast, slow.filter(pl.col("v").is_not_null()))


# ---------------------------------------------------------------- favourite category
def _sorted_favourite(lf: pl.LazyFrame) -> pl.LazyFrame:
    """The former path: a global sort of (customer, category) revenue."""
    return (
        lf.group_by("customer_id", "category")
        .agg(pl.col("revenue").sum())
        .sort(["customer_id", "revenue", "category"], descending=[False, True, False])
        .group_by("customer_id", maintain_order=True)
        .agg(favourite_category=pl.col("category").first())
    )


def test_favourite_category_without_a_sort_is_the_sorted_first():
    rng = random.Random(7)
    n = 5000
    df = pl.DataFrame(
        {
            "customer_id": [rng.randrange(500) for _ in range(n)],
            "category": [rng.choice(["A", "B", "a", "", None]) for _ in range(n)],
            # few distinct amounts: many ties; a NaN now and then
            "revenue": [rng.choice([1.0, 2.0, 0.5, -1.0, float("nan")]) for _ in range(n)],
        }
    )
    fast = hub_table._favourite_category(df.lazy()).collect().sort("customer_id")
    slow = _sorted_favourite(df.lazy()).collect().sort("customer_id")
    assert_frame_equal(fast, slow)
    # and on codes (the hub's path for text ids and categories)
    text = df.with_columns(pl.format("c{}", "customer_id").alias("customer_id"))
    coded, ids, by_code = _coded(text, "category")
    got = hub_table._favourite_category(coded.lazy()).collect()
    got = got.select(
        ids.gather(got["customer_id"]),
        by_code.gather(got["favourite_category"]).alias("favourite_category"),
    )
    expected = _sorted_favourite(text.lazy()).collect()
    assert_frame_equal(got.sort("customer_id"), expected.sort("customer_id"))


def test_favourite_category_ties_and_nulls():
    df = pl.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b", "c", "c"],
            "category": ["Toys", "Books", None, "Books", "Toys", "Books"],
            "revenue": [5.0, 5.0, 3.0, 3.0, 9.0, 1.0],
        }
    )
    got = dict(hub_table._favourite_category(df.lazy()).collect().iter_rows())
    assert got == {"a": "Books", "b": None, "c": "Toys"}


# ---------------------------------------------------------------- CLV summary
def test_summary_first_day_total_is_the_day_sorted_first():
    rng = random.Random(11)
    n = 3000
    df = pl.DataFrame(
        {
            "customer_id": [f"c{rng.randrange(200)}" for _ in range(n)],
            "order_date": [date(2024, 1, 1 + rng.randrange(28)) for _ in range(n)],
            "revenue": [float(rng.randrange(1, 50)) for _ in range(n)],
        }
    )
    as_of = date(2024, 2, 1)
    got = summary(df, as_of)
    days = df.group_by("customer_id", "order_date").agg(pl.col("revenue").sum())
    expected = (
        days.group_by("customer_id")
        .agg(
            (pl.len() - 1).alias("frequency"),
            pl.col("revenue").sum().alias("total"),
            pl.col("revenue").sort_by("order_date").first().alias("first_total"),
        )
        .select(
            "customer_id",
            pl.when(pl.col("frequency") > 0)
            .then((pl.col("total") - pl.col("first_total")) / pl.col("frequency"))
            .otherwise(0.0)
            .alias("monetary_value"),
        )
        .sort("customer_id")
    )
    assert_frame_equal(got.select("customer_id", "monetary_value"), expected)


def test_bgnbd_likelihood_per_distinct_frequency_is_bit_for_bit():
    from scipy import special

    from core.clv import model as clv_model

    rng = np.random.default_rng(5)
    n = 2000
    x = rng.integers(0, 40, n).astype(float)  # unsorted, repeated
    T = rng.uniform(1.0, 3.0, n)
    tx = np.where(x > 0, T * rng.uniform(0.0, 1.0, n), 0.0)
    w = rng.integers(1, 9, n).astype(float)
    for point in (np.zeros(4), np.array([-1.3, 0.4, -0.2, 1.7]), np.array([3.0, -2.0, 0.5, 4.0])):
        r, alpha, a, b = np.exp(point)
        fast = clv_model._bgnbd_nll(point, x, tx, T, w, clv_model._distinct(x))
        # the former evaluation: every special function on every pattern
        a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
        a2 = special.betaln(a, b + x) - special.betaln(a, b)
        a3 = -(r + x) * np.log(alpha + T)
        a4 = np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + tx)
        a4 = np.where(x > 0, a4, -np.inf)
        top = np.maximum(a3, a4)
        ll = a1 + a2 + top + np.log(np.exp(a3 - top) + np.exp(a4 - top))
        assert fast[0] == float(-(w * ll).sum() / w.sum())
        assert np.array_equal(fast[1], clv_model._bgnbd_nll(point, x, tx, T, w)[1])
        xs, at = clv_model._distinct(x)
        assert np.array_equal(xs[at], x)


@pytest.mark.parametrize(
    "params",
    [(0.24, 4.4, 0.79, 2.4), (1.4, 197.8, 0.35, 5.4), (2e5, 3e4, 1.2, 3e5)],  # the last: quadrature
)
def test_expected_purchases_per_distinct_pair_is_per_customer(params):
    from core.clv import BGNBD, expected_purchases
    from core.clv import model as clv_model

    m = BGNBD(*params)
    rng = np.random.default_rng(9)
    n = 3000
    x = rng.integers(0, 30, n).astype(float)
    T = rng.integers(1, 400, n).astype(float)  # repeated (x, T) pairs, unsorted
    tx = np.where(x > 0, np.floor(T * rng.uniform(0.0, 1.0, n)), 0.0)
    for t in (90.0, 365.0):
        per_customer = clv_model._alive_expectation(m, t, x, T) * clv_model.p_alive(m, x, tx, T)
        assert np.array_equal(expected_purchases(m, t, x, tx, T), per_customer)


# ---------------------------------------------------------------- the whole table
def _former_plan(orders: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The hub's order-line figures as computed before the fast paths."""
    lf = orders.lazy().filter(dated_up_to(as_of))
    names = lf.collect_schema().names()
    extra: list[pl.Expr] = []
    if "status" in names:
        returned = pl.col("revenue").filter(pl.col("status") == "returned").sum()
        extra.append((returned / pl.col("revenue").sum()).alias("return_rate"))
    else:
        extra.append(pl.lit(None, dtype=pl.Float64).alias("return_rate"))
    if "cost" in names:
        extra.append(profit_expr())
    if "region" in names:
        extra.append(customer_value("region"))
    extra += [customer_value(a) for a in attribute_columns(lf)]
    table = (
        customer_base(lf, as_of)
        .join(lf.group_by("customer_id").agg(extra), on="customer_id", how="left")
        .with_columns(aov=pl.col("revenue") / pl.col("orders"))
    )
    if "category" in names:
        table = table.join(_sorted_favourite(lf), on="customer_id", how="left")
    return table.collect()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_hub_equals_the_former_plan(path):
    orders = _load(path)
    as_of = resolve_as_of(orders.lazy(), None)
    former = _former_plan(orders, as_of)
    fast = customer_metrics(orders, as_of=as_of, with_clv=False)
    assert set(former.columns) <= set(fast.columns)
    assert_frame_equal(
        fast.select(former.columns).sort("customer_id"),
        as_text(former).sort("customer_id"),
        check_exact=True,
    )


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_hub_with_codes_equals_the_hub_with_text_ids(path, monkeypatch):
    orders = _load(path)
    fast = customer_table(orders)
    lazy = customer_table(orders.lazy())  # a lazy frame keeps its text ids
    monkeypatch.setattr(hub_table, "coded_ids", lambda df: (df, None))
    slow = customer_table(orders)
    # the CLV columns: the per-day spend sums add the same floats in an order that varies
    # with the group_by threads, and the Gamma-Gamma fit moves in the 8th digit run to run,
    # with or without codes (as test_hub notes): compare those to 1e-6
    clv = list(hub_table.CLV_COLUMNS)
    for table in (fast, lazy):
        assert_frame_equal(table.drop(clv), slow.drop(clv), check_exact=True)
        assert_frame_equal(table.select(clv), slow.select(clv), check_exact=False, rel_tol=1e-6)


# ---------------------------------------------------------------- one CLV fit
def _same_fit(shared, fresh) -> None:
    """Two core.clv fits of the same orders: the same summary rows (the hub's in the order of
    its id codes) and parameters. The per-day spend sums add the same floats in an order that
    varies with the group_by threads, so monetary_value and Gamma-Gamma move in the last digits
    run to run (see above)."""
    got, want = shared.summary.sort("customer_id"), fresh.summary
    assert_frame_equal(got.drop("monetary_value"), want.drop("monetary_value"), check_exact=True)
    assert_frame_equal(
        got.select("monetary_value"),
        want.select("monetary_value"),
        check_exact=False,
        rel_tol=1e-9,
    )
    assert shared.bgnbd == fresh.bgnbd  # frequency, recency and T are exact
    assert shared.quality == fresh.quality
    assert (shared.unit, shared.churn_days) == (fresh.unit, fresh.churn_days)
    if fresh.gamma_gamma is None:
        assert shared.gamma_gamma is None
    else:
        for name in ("p", "q", "v"):
            got, want = getattr(shared.gamma_gamma, name), getattr(fresh.gamma_gamma, name)
            assert got == pytest.approx(want, rel=1e-6), name


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_the_hub_s_fit_is_the_clv_fit_of_its_orders(path):
    """metrics_with_fit keeps the fit its CLV columns come from (grouped by codes, ids given
    back): the fit core.clv.fit makes on the same orders, read by the Churn page's diagnostics
    and the Action plan instead of fitting again; judged again for another churn threshold
    (rejudge) it is the fit made with that threshold."""
    orders = _load(path)
    as_of = resolve_as_of(orders.lazy(), None)
    table, shared = metrics_with_fit(orders, as_of=as_of)
    assert_frame_equal(table, customer_metrics(orders, as_of=as_of), check_exact=False)
    _same_fit(shared, clv.fit(orders, as_of))
    for churn_days in (30, 90, 180, 400):
        _same_fit(clv.rejudge(shared, churn_days), clv.fit(orders, as_of, churn_days=churn_days))
    try:
        fresh_report, fresh_hist = clv.fit_diagnostics(orders, as_of)
    except InputError:
        with pytest.raises(InputError):
            clv.fit_diagnostics(orders, as_of, fitted=shared)
        return
    report, hist = clv.fit_diagnostics(orders, as_of, fitted=shared)
    assert report["bgnbd"] == fresh_report["bgnbd"]
    assert {k: v for k, v in report.items() if k not in ("bgnbd", "gamma_gamma")} == {
        k: v for k, v in fresh_report.items() if k not in ("bgnbd", "gamma_gamma")
    }
    assert_frame_equal(hist, fresh_hist, check_exact=True)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_the_table_before_the_fit_is_the_table_without_clv(path):
    """A page that shows no CLV column takes the table before the fit (views.ahead): the table
    without CLV, exactly; the table after it differs in the CLV columns only, which are the
    fit's customer_clv of each customer (in place: same rows, same columns, same order)."""
    orders = _load(path)
    as_of = resolve_as_of(orders.lazy(), None)
    early: list[pl.DataFrame] = []
    table, shared = metrics_with_fit(orders, as_of=as_of, ready=early.append)
    assert len(early) == 1
    assert_frame_equal(early[0], customer_metrics(orders, as_of=as_of, with_clv=False))
    clv_cols = list(hub_table.CLV_COLUMNS)
    assert table.columns == early[0].columns
    assert_frame_equal(table.drop(clv_cols), early[0].drop(clv_cols), check_exact=True)
    want = clv.customer_clv(orders, as_of, fitted=shared)
    got = table.select("customer_id", *clv_cols).join(want.select("customer_id"), on="customer_id")
    assert_frame_equal(got.sort("customer_id"), want.sort("customer_id"), check_exact=True)
    assert table.filter(~pl.col("customer_id").is_in(want["customer_id"].implode()))[
        clv_cols
    ].null_count().sum_horizontal().item() == (table.height - got.height) * len(clv_cols)
    assert_frame_equal(hub_table.with_clv_of(early[0], table), table, check_exact=True)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_the_plan_s_value_from_the_hub_s_fit(path):
    """The Action plan's value at stake from the hub's fit (judged for the plan's churn
    threshold) is the value from a fit of its own."""
    orders = _load(path)
    as_of = resolve_as_of(orders.lazy(), None)
    table, shared = metrics_with_fit(orders, as_of=as_of)
    table = hub_table.with_status(table, 120, 60)
    try:
        fresh = plan.customer_value(table, orders, as_of, 365, 120, 60)
    except InputError:
        pytest.skip("too short a history for the fallback")
    got = plan.customer_value(table, orders, as_of, 365, 120, 60, fitted=shared)
    assert (got.source, got.note, got.horizon_days) == (fresh.source, fresh.note, 365)
    assert_frame_equal(got.frame, fresh.frame, check_exact=False, rel_tol=1e-6)
