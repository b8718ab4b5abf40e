"""Benchmark: load an orders CSV and compute the report's numbers, four ways (not a test).

The work, the same for every engine: read the file; the KPIs (rows, orders, customers, revenue,
net revenue without returned/cancelled lines, aov, repeat rate, active / at-risk / churned counts,
revenue at risk over the last 365 days); the monthly series (revenue, orders, customers per
month); the per-customer base of the hub (first and last order, orders, revenue, revenue in the
last 365 days, recency and tenure in days). as_of is the last order date.

- core: our code as the app runs it: core.ingest.load_orders (sniffing, role detection, amount and
  date parsing, order-total and rejected-row checks) + core.metrics kpis / monthly / customer_base.
- polars: plain polars on a typed read (what the computation costs without the ingest checks).
- pandas: pandas read_csv(parse_dates) + groupby.
- duckdb: one SQL query per result on read_csv_auto.

Runs on the bundled sample (data/orders.csv) and on a 10x enlargement (the sample repeated ten
times with customer and order ids made distinct per copy). Prints the best and median of several
runs per engine and checks that the engines agree on the headline numbers.

    python bench/bench_ingest.py [--repeat 5] [--scale 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.hub import customer_base  # noqa: E402
from core.ingest import load_orders  # noqa: E402
from core.metrics import kpis, monthly  # noqa: E402

SAMPLE = ROOT / "data" / "orders.csv"
CHURN_DAYS, AT_RISK_DAYS = 90, 60
EXCLUDED = ("returned", "cancelled")


# ---------------------------------------------------------------- the four engines


def run_core(path: Path) -> dict:
    orders = load_orders(path).orders
    k = kpis(orders)
    m = monthly(orders)
    base = customer_base(orders, k["as_of"]).collect()
    return {"kpis": k, "months": m.height, "customers": base.height}


def run_polars(path: Path) -> dict:
    lf = pl.scan_csv(path).select(
        customer_id=pl.col("Customer ID"),
        order_id=pl.col("Order ID"),
        order_date=pl.col("Order Date").str.to_date("%Y-%m-%d"),
        revenue=pl.col("Line Total").cast(pl.Float64),
        status=pl.col("Status").str.to_lowercase(),
    )
    df = lf.collect()
    as_of = df["order_date"].max()
    year_ago = as_of - timedelta(days=365)
    totals = df.select(
        rows=pl.len(),
        orders=pl.col("order_id").n_unique(),
        customers=pl.col("customer_id").n_unique(),
        revenue=pl.col("revenue").sum(),
        net_revenue=pl.col("revenue")
        .filter(~pl.col("status").is_in(EXCLUDED).fill_null(False))
        .sum(),
    ).row(0, named=True)
    base = (
        df.lazy()
        .group_by("customer_id")
        .agg(
            first_order=pl.col("order_date").min(),
            last_order=pl.col("order_date").max(),
            orders=pl.col("order_id").n_unique(),
            revenue=pl.col("revenue").sum(),
            revenue_365d=pl.col("revenue").filter(pl.col("order_date") > year_ago).sum(),
        )
        .with_columns(
            recency_days=(pl.lit(as_of) - pl.col("last_order")).dt.total_days(),
            tenure_days=(pl.lit(as_of) - pl.col("first_order")).dt.total_days(),
        )
        .collect()
    )
    rec = base["recency_days"]
    risky = rec > AT_RISK_DAYS
    k = {
        **totals,
        "aov": totals["revenue"] / totals["orders"],
        "repeat_rate": (base["orders"] >= 2).mean(),
        "active_customers": int((~risky).sum()),
        "at_risk_customers": int((risky & (rec <= CHURN_DAYS)).sum()),
        "churned_customers": int((rec > CHURN_DAYS).sum()),
        "revenue_at_risk": base.filter(risky)["revenue_365d"].sum(),
    }
    months = df.group_by(pl.col("order_date").dt.truncate("1mo")).agg(
        pl.col("revenue").sum(), pl.col("order_id").n_unique(), pl.col("customer_id").n_unique()
    )
    return {"kpis": k, "months": months.height, "customers": base.height}


def run_pandas(path: Path) -> dict:
    df = pd.read_csv(
        path,
        usecols=["Customer ID", "Order ID", "Order Date", "Line Total", "Status"],
        parse_dates=["Order Date"],
        dtype={"Customer ID": "string", "Order ID": "string", "Status": "string"},
    ).rename(
        columns={
            "Customer ID": "customer_id",
            "Order ID": "order_id",
            "Order Date": "order_date",
            "Line Total": "revenue",
            "Status": "status",
        }
    )
    as_of = df["order_date"].max()
    year_ago = as_of - pd.Timedelta(days=365)
    excluded = df["status"].str.lower().isin(EXCLUDED).fillna(False).astype(bool)
    df["revenue_365d"] = df["revenue"].where(df["order_date"] > year_ago, 0.0)
    base = df.groupby("customer_id").agg(
        first_order=("order_date", "min"),
        last_order=("order_date", "max"),
        orders=("order_id", "nunique"),
        revenue=("revenue", "sum"),
        revenue_365d=("revenue_365d", "sum"),
    )
    base["recency_days"] = (as_of - base["last_order"]).dt.days
    base["tenure_days"] = (as_of - base["first_order"]).dt.days
    rec = base["recency_days"]
    risky = rec > AT_RISK_DAYS
    revenue = float(df["revenue"].sum())
    orders = int(df["order_id"].nunique())
    k = {
        "rows": len(df),
        "orders": orders,
        "customers": int(df["customer_id"].nunique()),
        "revenue": revenue,
        "net_revenue": float(df.loc[~excluded, "revenue"].sum()),
        "aov": revenue / orders,
        "repeat_rate": float((base["orders"] >= 2).mean()),
        "active_customers": int((~risky).sum()),
        "at_risk_customers": int((risky & (rec <= CHURN_DAYS)).sum()),
        "churned_customers": int((rec > CHURN_DAYS).sum()),
        "revenue_at_risk": float(base.loc[risky, "revenue_365d"].sum()),
    }
    months = df.groupby(df["order_date"].dt.to_period("M")).agg(
        revenue=("revenue", "sum"),
        orders=("order_id", "nunique"),
        customers=("customer_id", "nunique"),
    )
    return {"kpis": k, "months": len(months), "customers": len(base)}


def run_duckdb(path: Path) -> dict:
    con = duckdb.connect()
    con.execute(
        f"""
        CREATE TEMP TABLE o AS
        SELECT "Customer ID" AS customer_id, "Order ID" AS order_id,
               CAST("Order Date" AS DATE) AS order_date, CAST("Line Total" AS DOUBLE) AS revenue,
               lower("Status") AS status
        FROM read_csv_auto('{path.as_posix()}', header = true)
        """
    )
    (as_of,) = con.execute("SELECT max(order_date) FROM o").fetchone()
    con.execute(
        f"""
        CREATE TEMP TABLE base AS
        SELECT customer_id, min(order_date) AS first_order, max(order_date) AS last_order,
               count(DISTINCT order_id) AS orders, sum(revenue) AS revenue,
               coalesce(sum(revenue) FILTER (WHERE order_date > DATE '{as_of}' - 365), 0)
                   AS revenue_365d,
               DATE '{as_of}' - max(order_date) AS recency_days,
               DATE '{as_of}' - min(order_date) AS tenure_days
        FROM o GROUP BY customer_id
        """
    )
    row = con.execute(
        """
        SELECT count(*), count(DISTINCT order_id), count(DISTINCT customer_id), sum(revenue),
               sum(revenue) FILTER (WHERE status IS NULL OR status NOT IN ('returned', 'cancelled'))
        FROM o
        """
    ).fetchone()
    c = con.execute(
        f"""
        SELECT avg(CASE WHEN orders >= 2 THEN 1.0 ELSE 0.0 END),
               count(*) FILTER (WHERE recency_days <= {AT_RISK_DAYS}),
               count(*) FILTER (WHERE recency_days > {AT_RISK_DAYS}
                                AND recency_days <= {CHURN_DAYS}),
               count(*) FILTER (WHERE recency_days > {CHURN_DAYS}),
               sum(revenue_365d) FILTER (WHERE recency_days > {AT_RISK_DAYS}),
               count(*)
        FROM base
        """
    ).fetchone()
    months = con.execute(
        """
        SELECT date_trunc('month', order_date) AS m, sum(revenue), count(DISTINCT order_id),
               count(DISTINCT customer_id)
        FROM o GROUP BY m
        """
    ).fetchall()
    con.close()
    k = {
        "rows": row[0],
        "orders": row[1],
        "customers": row[2],
        "revenue": row[3],
        "net_revenue": row[4],
        "aov": row[3] / row[1],
        "repeat_rate": float(c[0]),
        "active_customers": c[1],
        "at_risk_customers": c[2],
        "churned_customers": c[3],
        "revenue_at_risk": c[4] or 0.0,
    }
    return {"kpis": k, "months": len(months), "customers": c[5]}


ENGINES: dict[str, Callable[[Path], dict]] = {
    "core": run_core,
    "polars": run_polars,
    "pandas": run_pandas,
    "duckdb": run_duckdb,
}
CHECKED = (
    "rows",
    "orders",
    "customers",
    "revenue",
    "net_revenue",
    "repeat_rate",
    "active_customers",
    "at_risk_customers",
    "churned_customers",
    "revenue_at_risk",
)


# ---------------------------------------------------------------- data and timing


def enlarge(path: Path, scale: int, out: Path) -> Path:
    """The sample repeated `scale` times; copy k gets ids suffixed '-k' (vectorised)."""
    df = pl.read_csv(path, infer_schema=False)
    copies = pl.concat(
        df.with_columns(
            pl.col("Customer ID") + f"-{k}",
            pl.col("Order ID") + f"-{k}",
        )
        for k in range(scale)
    )
    copies.write_csv(out)
    return out


def agree(results: dict[str, dict]) -> list[str]:
    """Names of the checked numbers on which some engine differs from core."""
    ref = results["core"]
    bad = []
    for name, r in results.items():
        for key in CHECKED:
            a, b = float(ref["kpis"][key]), float(r["kpis"][key])
            if abs(a - b) > 1e-6 * max(1.0, abs(a)):
                bad.append(f"{name}.{key} ({b} vs {a})")
        if (r["months"], r["customers"]) != (ref["months"], ref["customers"]):
            bad.append(f"{name}.months/customers")
    return bad


def bench(path: Path, repeat: int) -> None:
    size = path.stat().st_size / 1e6
    rows = sum(1 for _ in path.open("rb")) - 1
    print(f"\n{path.name}: {rows:,} lines, {size:.1f} MB")
    print(f"{'engine':<8} {'best ms':>9} {'median ms':>10} {'vs core':>8}")
    results, times = {}, {}
    for name, fn in ENGINES.items():
        runs = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            results[name] = fn(path)
            runs.append((time.perf_counter() - t0) * 1000)
        times[name] = (min(runs), statistics.median(runs))
    for name, (best, median) in times.items():
        ratio = median / times["core"][1]
        print(f"{name:<8} {best:>9.0f} {median:>10.0f} {ratio:>7.2f}x")
    bad = agree(results)
    print("engines agree on the headline numbers" if not bad else "DIFFER: " + "; ".join(bad))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scale", type=int, default=10)
    args = parser.parse_args()
    print(
        f"polars {pl.__version__}, pandas {pd.__version__}, duckdb {duckdb.__version__}; "
        f"best and median of {args.repeat} runs, read + KPIs + monthly + per-customer base"
    )
    bench(SAMPLE, args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        big = enlarge(SAMPLE, args.scale, Path(tmp) / f"orders_x{args.scale}.csv")
        bench(big, args.repeat)


if __name__ == "__main__":
    main()
