"""`report` as a whole process against a DuckDB script and a pandas script computing the same KPIs.

    python bench/report_process.py                     # 1M lines, CSV, 4 alternated rounds
    python bench/report_process.py --size 100k --format parquet --runs 6

Each round runs, in a fresh process and in a rotating order (so no engine always goes first on
a warm page cache): `python -m core report FILE --json`, then a DuckDB script, a pandas script
and a plain polars script (the engine the core is built on, without the ingest's checks: its
floor) that know the column layout and print the same figures as JSON: the KPIs (rows, orders,
customers, revenue, net revenue, aov, revenue per customer, repeat rate, active / at-risk /
churned customers at 60 / 90 days, churn rate, revenue at risk, first and last date), the
monthly revenue, orders and customers, and revenue, orders and customers by region, category,
product, channel and status. It checks they all agree on every one of those figures, then
prints the median wall time and the median peak memory (ru_maxrss of that process, from
wait4) per engine and the ratios to DuckDB. Not a test: numbers depend on the machine and its
load; bench/README.md holds a recorded run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = Path(__file__).resolve().parent / ".data"
CHURN_DAYS, AT_RISK_DAYS = 90, 60
DIMENSIONS = ("Region", "Category", "Product", "Channel", "Status")


# ---------------------------------------------------------------- DuckDB reference
def duckdb_report(path: Path) -> dict:
    import duckdb

    con = duckdb.connect()
    src = (
        f"read_parquet('{path.as_posix()}')"
        if path.suffix == ".parquet"
        else f"read_csv_auto('{path.as_posix()}', header = true)"
    )
    con.execute(
        f"""CREATE TEMP TABLE o AS SELECT "Customer ID" AS customer_id, "Order ID" AS order_id,
        CAST("Order Date" AS DATE) AS order_date, CAST("Line Total" AS DOUBLE) AS revenue,
        lower("Status") AS status, "Region", "Category", "Product", "Channel" FROM {src}"""
    )
    (as_of,) = con.execute("SELECT max(order_date) FROM o").fetchone()
    k = con.execute(
        f"""WITH c AS (
              SELECT customer_id, count(DISTINCT order_id) AS n, DATE '{as_of}' - max(order_date)
                     AS rec, sum(revenue) FILTER (WHERE order_date > DATE '{as_of}' - 365) AS r365
              FROM o GROUP BY customer_id)
            SELECT (SELECT count(*) FROM o), (SELECT count(DISTINCT order_id) FROM o),
                   (SELECT count(*) FROM c), (SELECT sum(revenue) FROM o),
                   (SELECT sum(revenue) FILTER (WHERE status NOT IN ('returned', 'cancelled'))
                    FROM o),
                   (SELECT count(*) FILTER (WHERE n > 1) FROM c),
                   (SELECT count(*) FILTER (WHERE rec <= {AT_RISK_DAYS}) FROM c),
                   (SELECT count(*) FILTER (WHERE rec > {AT_RISK_DAYS} AND rec <= {CHURN_DAYS})
                    FROM c),
                   (SELECT count(*) FILTER (WHERE rec > {CHURN_DAYS}) FROM c),
                   (SELECT coalesce(sum(r365) FILTER (WHERE rec > {AT_RISK_DAYS}), 0) FROM c),
                   (SELECT min(order_date) FROM o)"""
    ).fetchone()
    rows, orders, customers, revenue, net, repeat, active, at_risk, churned, risk, first = k
    monthly = con.execute(
        """SELECT strftime(order_date, '%Y-%m') AS m, sum(revenue), count(DISTINCT order_id),
                  count(DISTINCT customer_id) FROM o GROUP BY m ORDER BY m"""
    ).fetchall()
    breakdowns = {}
    for dim in DIMENSIONS:
        col = "status" if dim == "Status" else f'"{dim}"'
        breakdowns[dim.lower()] = con.execute(
            f"""SELECT {col}, sum(revenue), count(DISTINCT order_id), count(DISTINCT customer_id)
                FROM o GROUP BY {col} ORDER BY {col}"""
        ).fetchall()
    return _figures(
        rows, orders, customers, revenue, net, repeat, active, at_risk, churned, risk, first,
        as_of, monthly, breakdowns,
    )  # fmt: skip


# ---------------------------------------------------------------- plain polars reference
def polars_report(path: Path) -> dict:
    """The figures as a polars user would write them: the needed columns read typed, no checks
    (the engine's own floor of time and memory for this work)."""
    import polars as pl

    cols = ["Customer ID", "Order ID", "Order Date", "Line Total", "Status", *DIMENSIONS[:-1]]
    if path.suffix == ".parquet":
        df = pl.read_parquet(path, columns=cols).with_columns(pl.col("Order Date").cast(pl.Date))
    else:
        df = pl.read_csv(path, columns=cols, schema_overrides={"Order Date": pl.Date})
    df = df.with_columns(pl.col("Status").str.to_lowercase())
    as_of = df["Order Date"].max()
    revenue, date = pl.col("Line Total"), pl.col("Order Date")
    counts = [revenue.sum(), pl.col("Order ID").n_unique(), pl.col("Customer ID").n_unique()]
    r365 = pl.when(date > as_of - timedelta(days=365)).then(revenue).otherwise(0.0).sum()
    per_customer = (
        df.lazy()
        .group_by("Customer ID")
        .agg(
            n=pl.col("Order ID").n_unique(),
            rec=(pl.lit(as_of) - date.max()).dt.total_days(),
            r365=r365,
        )
    )
    rec = pl.col("rec")
    kpis = per_customer.select(
        e.alias(str(i))
        for i, e in enumerate(
            [
                pl.len(),
                (pl.col("n") > 1).sum(),
                (rec <= AT_RISK_DAYS).sum(),
                ((rec > AT_RISK_DAYS) & (rec <= CHURN_DAYS)).sum(),
                (rec > CHURN_DAYS).sum(),
                pl.col("r365").filter(rec > AT_RISK_DAYS).sum(),
            ]
        )
    )
    lines = df.lazy().select(
        e.alias(str(i))
        for i, e in enumerate(
            [
                pl.len(),
                pl.col("Order ID").n_unique(),
                revenue.sum(),
                revenue.filter(~pl.col("Status").is_in(["returned", "cancelled"])).sum(),
                date.min(),
            ]
        )
    )
    month = date.dt.strftime("%Y-%m").alias("m")
    queries = [
        kpis,
        lines,
        df.lazy().group_by(month).agg(counts).sort("m"),
        *(df.lazy().group_by(d).agg(counts) for d in DIMENSIONS),
    ]
    (customers, repeat, active, at_risk, churned, risk), line_row, monthly, *by_dim = (
        q.row(0) if i < 2 else q for i, q in enumerate(pl.collect_all(queries))
    )
    rows, orders, total, net, first = line_row
    breakdowns = {d.lower(): g.rows() for d, g in zip(DIMENSIONS, by_dim, strict=True)}
    return _figures(
        rows, orders, customers, total, net, repeat, active, at_risk, churned, risk, first,
        as_of, monthly.rows(), breakdowns,
    )  # fmt: skip


# ---------------------------------------------------------------- pandas reference
def pandas_report(path: Path) -> dict:
    import pandas as pd

    cols = ["Customer ID", "Order ID", "Order Date", "Line Total", "Status", *DIMENSIONS[:-1]]
    if path.suffix == ".parquet":
        df = pd.read_parquet(path, columns=cols)
        df["Order Date"] = pd.to_datetime(df["Order Date"])
    else:
        df = pd.read_csv(path, usecols=cols, parse_dates=["Order Date"])
    df["Status"] = df["Status"].str.lower()
    as_of = df["Order Date"].max()
    df["r365"] = df["Line Total"].where(df["Order Date"] > as_of - pd.Timedelta(days=365), 0.0)
    c = df.groupby("Customer ID").agg(
        n=("Order ID", "nunique"), last=("Order Date", "max"), r365=("r365", "sum")
    )
    rec = (as_of - c["last"]).dt.days
    monthly = df.groupby(df["Order Date"].dt.strftime("%Y-%m")).agg(
        r=("Line Total", "sum"), o=("Order ID", "nunique"), c=("Customer ID", "nunique")
    )
    breakdowns = {}
    for dim in DIMENSIONS:
        g = df.groupby(dim).agg(
            r=("Line Total", "sum"), o=("Order ID", "nunique"), c=("Customer ID", "nunique")
        )
        breakdowns[dim.lower()] = list(g.itertuples(name=None))
    return _figures(
        len(df), df["Order ID"].nunique(), len(c), df["Line Total"].sum(),
        df.loc[~df["Status"].isin(("returned", "cancelled")), "Line Total"].sum(),
        (c["n"] > 1).sum(), (rec <= AT_RISK_DAYS).sum(),
        ((rec > AT_RISK_DAYS) & (rec <= CHURN_DAYS)).sum(), (rec > CHURN_DAYS).sum(),
        c.loc[rec > AT_RISK_DAYS, "r365"].sum(), df["Order Date"].min().date(), as_of.date(),
        list(monthly.itertuples(name=None)), breakdowns,
    )  # fmt: skip


def _figures(
    rows, orders, customers, revenue, net, repeat, active, at_risk, churned, risk, first, as_of,
    monthly, breakdowns,
) -> dict:  # fmt: skip
    """The report's figures in the shape of `report --json` (the keys compared)."""
    revenue = float(revenue)
    return {
        "rows": int(rows),
        "orders": int(orders),
        "customers": int(customers),
        "revenue": revenue,
        "net_revenue": float(net),
        "aov": revenue / int(orders),
        "revenue_per_customer": revenue / int(customers),
        "repeat_rate": int(repeat) / int(customers),
        "active_customers": int(active),
        "at_risk_customers": int(at_risk),
        "churned_customers": int(churned),
        "churn_rate": int(churned) / int(customers),
        "revenue_at_risk": float(risk),
        "first_date": str(first),
        "last_date": str(as_of),
        "monthly": [[m, float(r), int(o), int(c)] for m, r, o, c in monthly],
        "breakdowns": {
            dim: sorted([str(v), float(r), int(o), int(c)] for v, r, o, c in rows_)
            for dim, rows_ in breakdowns.items()
        },
    }


def core_figures(out: dict) -> dict:
    """The same figures, read from `python -m core report --json`."""
    keep = {k: out[k] for k in _figures(*[1] * 12, [], {}) if k not in ("monthly", "breakdowns")}
    keep["monthly"] = [
        [m["month"], m["revenue"], m["orders"], m["customers"]] for m in out["monthly"]
    ]
    keep["breakdowns"] = {
        dim: sorted([str(r["value"]), r["revenue"], r["orders"], r["customers"]] for r in rows)
        for dim, rows in out["breakdowns"].items()
    }
    return keep


# ---------------------------------------------------------------- driver
COMMANDS = {
    "core": lambda path: [sys.executable, "-m", "core", "report", str(path), "--json"],
    "duckdb": lambda path: [sys.executable, __file__, "--child", "duckdb", str(path)],
    "pandas": lambda path: [sys.executable, __file__, "--child", "pandas", str(path)],
    "polars": lambda path: [sys.executable, __file__, "--child", "polars", str(path)],
}
CHILDREN = {"duckdb": duckdb_report, "pandas": pandas_report, "polars": polars_report}


def run_once(engine: str, path: Path) -> tuple[float, float, dict]:
    """(wall seconds, peak MB, figures) of one whole process."""
    t = time.perf_counter()
    proc = subprocess.Popen(
        COMMANDS[engine](path), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.exit(f"{engine} failed:\n{err.decode()[-2000:]}")
    figures = json.loads(out)
    return wall, usage.ru_maxrss / 1024, core_figures(figures) if engine == "core" else figures


def differences(a: dict, b: dict, where: str = "") -> list[str]:
    """Where two figure sets differ (money within a cent per million)."""
    if isinstance(a, dict):
        keys = sorted(set(a) | set(b))
        return [d for k in keys for d in differences(a.get(k), b.get(k), f"{where}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{where}[{i}]")]
    if isinstance(a, float) or isinstance(b, float):
        ok = isinstance(a, (int, float)) and isinstance(b, (int, float))
        if ok and abs(a - b) <= max(0.01, abs(a) * 1e-9):
            return []
    elif a == b:
        return []
    return [f"{where}: {a!r} vs {b!r}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1m")
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--engines", nargs="+", default=list(COMMANDS), choices=list(COMMANDS))
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child[0]](Path(args.child[1])), default=str))
        return
    from bench.generate import generate, parse_size

    path = DATA / f"orders_{args.size}.{args.format}"
    if not path.exists():
        generate(parse_size(args.size), path)
    engines = list(dict.fromkeys(["core", *args.engines]))
    times: dict[str, list[float]] = {e: [] for e in engines}
    peaks: dict[str, list[float]] = {e: [] for e in engines}
    figures: dict[str, dict] = {}
    for i in range(args.runs):
        order = engines[i % len(engines) :] + engines[: i % len(engines)]
        for engine in order:
            wall, peak, figs = run_once(engine, path)
            times[engine].append(wall)
            peaks[engine].append(peak)
            figures.setdefault(engine, figs)
    load = os.getloadavg()[0]
    print(f"### report as a whole process: {path.name}, {args.runs} alternated rounds")
    print(f"\n(load average at the end: {load:.1f} on {os.cpu_count()} cores)\n")
    ref = "duckdb" if "duckdb" in engines else engines[-1]
    print(
        "| engine | median wall (s) | runs (s) | median peak (MB) | time / DuckDB "
        "| memory / DuckDB |"
    )
    print("|---|---:|---|---:|---:|---:|")
    for e in engines:
        t, m = statistics.median(times[e]), statistics.median(peaks[e])
        tr = t / statistics.median(times[ref])
        mr = m / statistics.median(peaks[ref])
        runs = ", ".join(f"{x:.2f}" for x in times[e])
        print(f"| {e} | {t:.2f} | {runs} | {m:,.0f} | {tr:.2f}x | {mr:.2f}x |")
    bad = [d for e in engines[1:] for d in differences(figures["core"], figures[e], e)]
    print("\nall engines agree on every figure" if not bad else "\n" + "\n".join(bad[:20]))


if __name__ == "__main__":
    main()
