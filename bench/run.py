"""The benchmark in one command: core against plain polars, pandas and DuckDB, stage by stage.

    python bench/run.py                    # 100k and 1M lines
    python bench/run.py --sizes 100k 1m 10m --format parquet

For each size it generates the orders file deterministically (bench/generate.py, cached in
bench/.data/), then runs each engine in a fresh process (so the peak memory is the engine's own:
ru_maxrss of that process) through the same stages:

| stage | what is computed |
|---|---|
| read | the file into customer, order, date, amount, status (core: sniffing, roles, checks) |
| customer table | per customer: first/last order, orders, revenue, revenue 365d, recency, tenure |
| kpis + monthly | the report's KPIs and the monthly revenue, orders and customers |
| rfm | R, F, M scores 1-5 (rank-based quintiles, ties share the lower score) |
| churn list | at-risk and churned customers, most valuable in the last 365 days first |
| cohorts | customers of each first-order month active in each later month |
| bg/nbd fit | core only: the BG/NBD and Gamma-Gamma maximum-likelihood fits |
| rule preview | core only: ten insight rules' statistics and overlaps, the live editor's work |

Then it checks that every engine gives the same figures (rows, orders, customers, revenue, net
revenue, status counts, revenue at risk, months, RFM score counts, churn list length, cohort
cells) and prints one table of times (ms) and peak memory (MB) per engine. Not a test: numbers
depend on the machine; README.md and bench/README.md hold a recorded run. The core's customer
table is the whole hub (with RFM, value tiers and the BG/NBD + Gamma-Gamma fit), so it does more
than the others' per-customer aggregate; the fit is also timed alone.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = Path(__file__).resolve().parent / ".data"
CHURN_DAYS, AT_RISK_DAYS = 90, 60
EXCLUDED = ("returned", "cancelled")
STAGES = (
    "read",
    "customer table",
    "kpis + monthly",
    "rfm",
    "churn list",
    "cohorts",
    "bg/nbd fit",
    "rule preview",
)
ENGINES = ("core", "polars", "pandas", "duckdb")
COLS = {
    "Customer ID": "customer_id",
    "Order ID": "order_id",
    "Order Date": "order_date",
    "Line Total": "revenue",
    "Status": "status",
}


class Clock:
    """Times named stages; figures collects what the engines must agree on."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}
        self.figures: dict[str, object] = {}

    def __call__(self, stage: str, fn: Callable[[], object]):
        t = time.perf_counter()
        out = fn()
        self.ms[stage] = (time.perf_counter() - t) * 1000
        return out


# ---------------------------------------------------------------- core
def run_core(path: Path, clock: Clock) -> None:
    import polars as pl

    from core.churn import churn_list
    from core.churn.cohorts import cohort_retention
    from core.clv import fit_bgnbd, fit_gamma_gamma, summary
    from core.customers import customer_table
    from core.ingest import load_orders
    from core.metrics import kpis, monthly
    from core.rules import load_rules
    from core.rules.editor import preview

    orders = clock("read", lambda: load_orders(path).orders)
    k = clock("kpis + monthly", lambda: (kpis(orders), monthly(orders)))
    as_of = k[0]["as_of"]
    table = clock("customer table", lambda: customer_table(orders, as_of=as_of))
    clock("rfm", lambda: table.select("r_score", "f_score", "m_score"))  # part of the hub
    churn = clock("churn list", lambda: churn_list(table, CHURN_DAYS, AT_RISK_DAYS))
    cohorts = clock("cohorts", lambda: cohort_retention(orders, period="month", as_of=as_of))

    def clv():
        s = summary(orders, as_of)
        return fit_bgnbd(s), fit_gamma_gamma(s.filter(pl.col("frequency") > 0))

    clock("bg/nbd fit", clv)
    rules = load_rules(ROOT / "data" / "default_rules.json")
    clock("rule preview", lambda: preview(table, rules))
    clock.figures = _figures_core(k[0], k[1], table, churn, cohorts)


def _figures_core(k, months, table, churn, cohorts) -> dict:
    return {
        **{key: k[key] for key in KPI_KEYS},
        "months": months.height,
        "r_scores": sorted(table["r_score"].value_counts().rows()),
        "churn_list": churn.height,
        "cohort_cells": int(cohorts["active"].sum()),
    }


KPI_KEYS = (
    "rows",
    "orders",
    "customers",
    "revenue",
    "net_revenue",
    "active_customers",
    "at_risk_customers",
    "churned_customers",
    "revenue_at_risk",
)


# ---------------------------------------------------------------- plain polars
def run_polars(path: Path, clock: Clock) -> None:
    import polars as pl

    def read():
        lf = pl.scan_parquet(path) if path.suffix == ".parquet" else pl.scan_csv(path)
        lf = lf.select(list(COLS)).rename(COLS)
        if path.suffix != ".parquet":
            lf = lf.with_columns(pl.col("order_date").str.to_date("%Y-%m-%d"))
        return lf.with_columns(pl.col("status").str.to_lowercase()).collect()

    df = clock("read", read)
    as_of = df["order_date"].max()
    year_ago = as_of - timedelta(days=365)

    def base():
        return (
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

    table = clock("customer table", base)

    def kpis_monthly():
        totals = df.select(
            rows=pl.len(),
            orders=pl.col("order_id").n_unique(),
            customers=pl.col("customer_id").n_unique(),
            revenue=pl.col("revenue").sum(),
            net_revenue=pl.col("revenue").filter(~pl.col("status").is_in(EXCLUDED)).sum(),
        ).row(0, named=True)
        rec = pl.col("recency_days")
        status = table.select(
            active_customers=(rec <= AT_RISK_DAYS).sum(),
            at_risk_customers=((rec > AT_RISK_DAYS) & (rec <= CHURN_DAYS)).sum(),
            churned_customers=(rec > CHURN_DAYS).sum(),
            revenue_at_risk=pl.col("revenue_365d").filter(rec > AT_RISK_DAYS).sum(),
        ).row(0, named=True)
        months = df.group_by(pl.col("order_date").dt.truncate("1mo")).agg(
            pl.col("revenue").sum(), pl.col("order_id").n_unique(), pl.col("customer_id").n_unique()
        )
        return {**totals, **status}, months

    k, months = clock("kpis + monthly", kpis_monthly)

    def score(col: str, reverse: bool = False) -> pl.Expr:
        x = -pl.col(col) if reverse else pl.col(col)
        return 1 + ((x.rank("min").cast(pl.Int64) - 1) * 5) // pl.len()

    scored = clock(
        "rfm",
        lambda: table.with_columns(
            r_score=score("recency_days", True), f_score=score("orders"), m_score=score("revenue")
        ),
    )
    churn = clock(
        "churn list",
        lambda: table.filter(pl.col("recency_days") > AT_RISK_DAYS).sort(
            "revenue_365d", descending=True
        ),
    )

    def cohorts():
        month = pl.col("order_date").dt.truncate("1mo")
        return (
            df.lazy()
            .with_columns(month.alias("month"), month.min().over("customer_id").alias("cohort"))
            .group_by("cohort", "month")
            .agg(pl.col("customer_id").n_unique().alias("active"))
            .collect()
        )

    cells = clock("cohorts", cohorts)
    clock.figures = {
        **k,
        "months": months.height,
        "r_scores": sorted(scored["r_score"].value_counts().rows()),
        "churn_list": churn.height,
        "cohort_cells": int(cells["active"].sum()),
    }


# ---------------------------------------------------------------- pandas
def run_pandas(path: Path, clock: Clock) -> None:
    import pandas as pd

    def read():
        if path.suffix == ".parquet":
            df = pd.read_parquet(path, columns=list(COLS))
            df["Order Date"] = pd.to_datetime(df["Order Date"])
        else:
            df = pd.read_csv(
                path,
                usecols=list(COLS),
                parse_dates=["Order Date"],
                dtype={"Customer ID": "string", "Order ID": "string", "Status": "string"},
            )
        df = df.rename(columns=COLS)
        df["status"] = df["status"].str.lower()
        return df

    df = clock("read", read)
    as_of = df["order_date"].max()
    year_ago = as_of - pd.Timedelta(days=365)

    def base():
        df["revenue_365d"] = df["revenue"].where(df["order_date"] > year_ago, 0.0)
        b = df.groupby("customer_id").agg(
            first_order=("order_date", "min"),
            last_order=("order_date", "max"),
            orders=("order_id", "nunique"),
            revenue=("revenue", "sum"),
            revenue_365d=("revenue_365d", "sum"),
        )
        b["recency_days"] = (as_of - b["last_order"]).dt.days
        b["tenure_days"] = (as_of - b["first_order"]).dt.days
        return b

    table = clock("customer table", base)

    def kpis_monthly():
        rec = table["recency_days"]
        risky = rec > AT_RISK_DAYS
        k = {
            "rows": len(df),
            "orders": int(df["order_id"].nunique()),
            "customers": int(df["customer_id"].nunique()),
            "revenue": float(df["revenue"].sum()),
            "net_revenue": float(df.loc[~df["status"].isin(EXCLUDED), "revenue"].sum()),
            "active_customers": int((~risky).sum()),
            "at_risk_customers": int((risky & (rec <= CHURN_DAYS)).sum()),
            "churned_customers": int((rec > CHURN_DAYS).sum()),
            "revenue_at_risk": float(table.loc[risky, "revenue_365d"].sum()),
        }
        months = df.groupby(df["order_date"].dt.to_period("M")).agg(
            revenue=("revenue", "sum"),
            orders=("order_id", "nunique"),
            customers=("customer_id", "nunique"),
        )
        return k, months

    k, months = clock("kpis + monthly", kpis_monthly)

    def rfm():
        n = len(table)

        def score(s):
            return 1 + ((s.rank(method="min").astype("int64") - 1) * 5) // n

        return pd.DataFrame(
            {
                "r_score": score(-table["recency_days"]),
                "f_score": score(table["orders"]),
                "m_score": score(table["revenue"]),
            }
        )

    scored = clock("rfm", rfm)
    churn = clock(
        "churn list",
        lambda: table[table["recency_days"] > AT_RISK_DAYS].sort_values(
            "revenue_365d", ascending=False
        ),
    )

    def cohorts():
        month = df["order_date"].dt.to_period("M")
        cohort = month.groupby(df["customer_id"]).transform("min")
        return df.groupby([cohort, month])["customer_id"].nunique()

    cells = clock("cohorts", cohorts)
    clock.figures = {
        **k,
        "months": len(months),
        "r_scores": sorted((int(a), int(b)) for a, b in scored["r_score"].value_counts().items()),
        "churn_list": len(churn),
        "cohort_cells": int(cells.sum()),
    }


# ---------------------------------------------------------------- DuckDB
def run_duckdb(path: Path, clock: Clock) -> None:
    import duckdb

    con = duckdb.connect()
    source = (
        f"read_parquet('{path.as_posix()}')"
        if path.suffix == ".parquet"
        else f"read_csv_auto('{path.as_posix()}', header = true)"
    )
    clock(
        "read",
        lambda: con.execute(
            f"""CREATE TEMP TABLE o AS SELECT "Customer ID" AS customer_id,
            "Order ID" AS order_id, CAST("Order Date" AS DATE) AS order_date,
            CAST("Line Total" AS DOUBLE) AS revenue, lower("Status") AS status FROM {source}"""
        ),
    )
    (as_of,) = con.execute("SELECT max(order_date) FROM o").fetchone()
    clock(
        "customer table",
        lambda: con.execute(
            f"""CREATE TEMP TABLE base AS
            SELECT customer_id, min(order_date) AS first_order, max(order_date) AS last_order,
                   count(DISTINCT order_id) AS orders, sum(revenue) AS revenue,
                   coalesce(sum(revenue) FILTER (WHERE order_date > DATE '{as_of}' - 365), 0)
                       AS revenue_365d,
                   DATE '{as_of}' - max(order_date) AS recency_days,
                   DATE '{as_of}' - min(order_date) AS tenure_days
            FROM o GROUP BY customer_id"""
        ),
    )

    def kpis_monthly():
        row = con.execute(
            """SELECT count(*), count(DISTINCT order_id), count(DISTINCT customer_id),
                   sum(revenue), sum(revenue) FILTER (WHERE status NOT IN ('returned', 'cancelled'))
            FROM o"""
        ).fetchone()
        c = con.execute(
            f"""SELECT count(*) FILTER (WHERE recency_days <= {AT_RISK_DAYS}),
                   count(*) FILTER (WHERE recency_days > {AT_RISK_DAYS}
                                    AND recency_days <= {CHURN_DAYS}),
                   count(*) FILTER (WHERE recency_days > {CHURN_DAYS}),
                   sum(revenue_365d) FILTER (WHERE recency_days > {AT_RISK_DAYS})
            FROM base"""
        ).fetchone()
        months = con.execute(
            """SELECT date_trunc('month', order_date) AS m, sum(revenue),
                   count(DISTINCT order_id), count(DISTINCT customer_id) FROM o GROUP BY m"""
        ).fetchall()
        keys = KPI_KEYS
        return dict(zip(keys, (*row, *c), strict=True)), months

    k, months = clock("kpis + monthly", kpis_monthly)
    scores = clock(
        "rfm",
        lambda: con.execute(
            """SELECT r_score, count(*) FROM (
                 SELECT 1 + (rank() OVER (ORDER BY -recency_days) - 1) * 5 // count(*) OVER ()
                        AS r_score,
                        1 + (rank() OVER (ORDER BY orders) - 1) * 5 // count(*) OVER () AS f_score,
                        1 + (rank() OVER (ORDER BY revenue) - 1) * 5 // count(*) OVER () AS m_score
                 FROM base) GROUP BY r_score"""
        ).fetchall(),
    )
    churn = clock(
        "churn list",
        lambda: con.execute(
            f"""SELECT * FROM base WHERE recency_days > {AT_RISK_DAYS}
                ORDER BY revenue_365d DESC"""
        ).fetchall(),
    )
    cells = clock(
        "cohorts",
        lambda: con.execute(
            """SELECT sum(active) FROM (
                 SELECT cohort, month, count(DISTINCT customer_id) AS active FROM (
                   SELECT customer_id, date_trunc('month', order_date) AS month,
                          min(date_trunc('month', order_date)) OVER (PARTITION BY customer_id)
                              AS cohort
                   FROM o) GROUP BY cohort, month)"""
        ).fetchone(),
    )
    clock.figures = {
        **k,
        "months": len(months),
        "r_scores": sorted((int(a), int(b)) for a, b in scores),
        "churn_list": len(churn),
        "cohort_cells": int(cells[0]),
    }


RUNNERS = {"core": run_core, "polars": run_polars, "pandas": run_pandas, "duckdb": run_duckdb}


# ---------------------------------------------------------------- driver
def child(engine: str, path: Path) -> None:
    """Run one engine in this process and print its times, figures and peak memory as JSON."""
    clock = Clock()
    t = time.perf_counter()
    RUNNERS[engine](path, clock)
    total = (time.perf_counter() - t) * 1000
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {"ms": clock.ms, "total": total, "peak_mb": peak_mb, "figures": clock.figures},
            default=str,
        )
    )


def run_size(label: str, fmt: str, engines: tuple[str, ...]) -> dict[str, dict]:
    from bench.generate import generate, parse_size

    path = DATA / f"orders_{label}.{fmt}"
    if not path.exists():
        t = time.perf_counter()
        generate(parse_size(label), path)
        print(f"generated {path.name} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    results = {}
    for engine in engines:
        out = subprocess.run(
            [sys.executable, __file__, "--child", engine, str(path)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if out.returncode:
            sys.exit(f"{engine} failed on {path.name}:\n{out.stderr}")
        results[engine] = json.loads(out.stdout.strip().splitlines()[-1])
    return results


def agree(results: dict[str, dict]) -> list[str]:
    """Figures on which an engine differs from core (money within a cent per million)."""
    ref = results["core"]["figures"]
    bad = []
    for engine, res in results.items():
        for key, want in ref.items():
            got = res["figures"].get(key)
            if isinstance(want, float) and isinstance(got, (int, float)):
                same = abs(got - want) <= max(0.01, abs(want) * 1e-9)
            else:
                same = got == want
            if not same:
                bad.append(f"{engine}: {key} = {got!r}, core says {want!r}")
    return bad


def table(label: str, results: dict[str, dict]) -> str:
    engines = list(results)
    lines = [
        f"### {label} lines",
        "",
        "| stage | " + " | ".join(engines) + " |",
        "|---|" + "---:|" * len(engines),
    ]
    for stage in STAGES:
        cells = [
            f"{results[e]['ms'][stage]:,.0f}" if stage in results[e]["ms"] else "–" for e in engines
        ]
        lines.append(f"| {stage} (ms) | " + " | ".join(cells) + " |")
    lines.append(
        "| **whole run (ms)** | "
        + " | ".join(f"**{results[e]['total']:,.0f}**" for e in engines)
        + " |"
    )
    lines.append(
        "| peak memory (MB) | "
        + " | ".join(f"{results[e]['peak_mb']:,.0f}" for e in engines)
        + " |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["100k", "1m"])
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), choices=ENGINES)
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    engines = tuple(dict.fromkeys(["core", *args.engines]))
    for label in args.sizes:
        results = run_size(label, args.format, engines)
        print(table(f"{label} ({args.format})", results))
        bad = agree(results)
        print("\nall engines agree on every figure\n" if not bad else "\n" + "\n".join(bad) + "\n")


if __name__ == "__main__":
    main()
