"""Data & mapping: upload an export, check how its columns were understood, fix the mapping, and
read the data-quality report."""

from __future__ import annotations

import polars as pl
import streamlit as st

from core import format as fmt
from core.errors import InputError
from core.ingest.mapping_check import mapping_problems
from core.ingest.quality import quality_report
from core.model.schema import OPTIONAL_ROLES, REQUIRED_ROLES
from views import downloads, loading, needs, state, tables, ui

ROLE_HELP = {
    "customer_id": "Who bought: a customer id, number or e-mail.",
    "order_date": "When: the order date or timestamp.",
    "revenue": "How much: the line amount or order total (quantity x unit price if missing).",
    "order_id": "Which order: groups lines into orders (built from customer + date if missing).",
    "quantity": "Units on the line.",
    "unit_price": "Price per unit (revenue = quantity x unit price when there is no amount).",
    "unit_cost": "Cost per unit, for profit.",
    "cost": "Cost of the whole line, for profit.",
    "product": "Product name or SKU.",
    "category": "Product category.",
    "region": "Region, country or market.",
    "channel": "Sales channel.",
    "status": "Order / shipping status (delivered, returned, cancelled, in transit).",
}

DATE_CHOICES = {
    "": "Decided from the data",
    "dmy": "Day/month (31/12/2024)",
    "mdy": "Month/day (12/31/2024)",
    "ymd": "Year-month-day (2024-12-31)",
}

# order lines: one line's amounts keep their cents (ui.table reads "revenue" as a total)
LINE_AMOUNTS = dict.fromkeys(["revenue", "cost", "unit_price", "unit_cost"], "unit_money")

st.title("Data & mapping")
ds = loading.dataset()

# ---------------------------------------------------------------- choose the data
with st.container(border=True):
    left, right = st.columns([3, 2])
    with left:
        up = st.file_uploader(
            "Orders export (CSV, TSV, .csv.gz, Excel .xlsx, Parquet)",
            type=["csv", "tsv", "txt", "gz", "xlsx", "parquet"],
            key=loading.uploader_key("orders_upload"),
            help="One row per order line. Shopify, WooCommerce, Stripe, ERP or SQL exports work.",
        )
        if up is not None:  # taken in (one copy, see views/loading.py), the uploader is emptied
            state.use_upload(up.name, up.getvalue())
            loading.release_upload(up, "orders_upload")
            st.rerun()
        if ds.kind == "upload" and len(ds.orders.sheets) > 1:
            # by default the first sheet that holds a table
            options = [None, *ds.orders.sheets]
            sheet = st.selectbox(
                "Sheet",
                options,
                index=options.index(ds.orders.sheet) if ds.orders.sheet in options else 0,
                format_func=lambda s: "The first that holds a table" if s is None else s,
                key="orders_sheet",
            )
            if sheet != ds.orders.sheet:
                state.use_sheet(sheet)
                st.rerun()
    with right:
        cup = st.file_uploader(
            "Customers file (optional)",
            type=["csv", "tsv", "txt", "gz", "xlsx", "parquet"],
            key=loading.uploader_key("customers_upload"),
            help="One row per customer: id + attributes (signup date, region, age ...). "
            "Customers with no orders count in the total.",
        )
        if cup is not None:
            state.set_customers_file(cup.name, cup.getvalue())
            loading.release_upload(cup, "customers_upload")
            st.rerun()
        st.write("")
        if ds.kind == "upload" and st.button("Back to the sample data", icon="↩️"):
            state.use_sample()
            st.rerun()
    st.caption(
        ("Using the bundled **sample shop**: " if ds.kind == "sample" else "Using **your file** ")
        + f"`{ds.orders.name}`"
        + (f" with customers file `{ds.customers.name}`" if ds.customers else "")
    )

loaded, err = loading.try_load()
try:
    raw = loading.raw_table(ds.orders, loaded)
except InputError as exc:
    ui.show_error(exc, "The file cannot be read")
    st.info("Upload another file, or go back to the sample data.")
    st.stop()

# ---------------------------------------------------------------- mapping
st.subheader("Column mapping")
st.caption(
    "How each column was understood. Change a role and press **Apply mapping**; "
    "the choice holds on every page."
)
current = loaded.mapping if loaded else {**ds.overrides}
choices = ["—", *raw.columns]
with st.form("mapping"):
    cols = st.columns(4)
    picked: dict[str, str] = {}
    for i, role in enumerate(REQUIRED_ROLES + OPTIONAL_ROLES):
        label = role.replace("_", " ") + (" *" if role in REQUIRED_ROLES else "")
        value = current.get(role)
        picked[role] = cols[i % 4].selectbox(
            label,
            choices,
            index=choices.index(value) if value in choices else 0,
            help=ROLE_HELP[role],
            key=f"map_{role}",
        )
    if st.form_submit_button("Apply mapping", type="primary") and not ui.refused(
        mapping_problems(raw, {r: c for r, c in picked.items() if c != "—"})
    ):
        detected = loaded.detected if loaded else {}
        overrides = {
            r: ("" if c == "—" else c)
            for r, c in picked.items()
            if (c if c != "—" else None) != detected.get(r)
        }
        state.set_overrides(overrides)
        st.rerun()

if err is not None:
    ui.show_error(err, "The orders cannot be built with this mapping")
    st.markdown("**The file as read** (first rows):")
    st.dataframe(raw.head(20), hide_index=True)
    st.stop()

for w in loaded.warnings:
    st.info(w, icon="ℹ️")

# ---------------------------------------------------------------- how the file was read
st.subheader("How the file was read")
left, right = st.columns([3, 2])
with left:
    d = loaded.dates
    if d is None:
        st.markdown(
            "**Order dates:** this file has none. Revenue, orders, customers and breakdowns "
            "are shown; trends, recency and churn need a date column."
        )
    else:
        why = d.evidence or f"read as {d.order_name or d.format}."
        st.markdown(f"**Order dates** (`{loaded.mapping['order_date']}`): {why}")
        if d.ambiguous:
            st.caption("No value decided the day/month order on its own: check a date you know.")
    merged = loaded.id_merge
    st.markdown(
        f"**Customer ids:** {merged.sentence}"
        if merged.merged
        else "**Customer ids:** no two ids differ only in spaces, case of an e-mail, "
        "invisible or full-width characters (0 merged)."
    )
    money = needs.currency_caption(loaded)
    if money:
        st.markdown(f"**Currency:** {money}")
with right:
    if d is not None:
        chosen = ds.options.get("date_format", "")
        options = list(DATE_CHOICES)
        if chosen and chosen not in DATE_CHOICES:
            options.append(chosen)
        pick = st.selectbox(
            "Date order",
            options,
            index=options.index(chosen),
            format_func=lambda v: DATE_CHOICES.get(v, f"Pattern {v}"),
            help="How the order dates are written. 'Decided from the data' reads the whole "
            "column; choose an order to override it (the command line: --date-format).",
            key="date_order",
        )
        pattern = st.text_input(
            "…or a date pattern",
            value=chosen if chosen not in DATE_CHOICES else "",
            placeholder="%d.%m.%Y %H:%M",
            help="A strftime pattern, for dates no order above reads.",
            key="date_pattern",
        )
        wanted = pattern.strip() or pick
        if wanted != chosen:
            state.set_options(date_format=wanted or None)
            st.rerun()

evidence = pl.DataFrame(
    [
        {"role": role, "column": e.column, "confidence": e.confidence, "why": e.reason}
        for role, e in loaded.evidence.items()
    ],
    schema={"role": pl.Utf8, "column": pl.Utf8, "confidence": pl.Utf8, "why": pl.Utf8},
)
with st.expander(f"Why each column got its role ({evidence.height})"):
    st.caption(
        "High: the column's name says it. Medium: the name resembles it. Low: found by its "
        "values. Choose another column (or — to remove a role) in the mapping above."
    )
    st.dataframe(evidence, hide_index=True, width="stretch")

summary = loaded.currency.summary
if summary is not None and summary.height > 1:
    st.markdown("**Currencies in the file** (amounts as written)")
    st.dataframe(summary, hide_index=True)
    found = [c for c in summary["currency"].to_list() if c]
    with st.form("currency"):
        report_in = st.selectbox(
            "Report in",
            ["", *found],
            index=(["", *found]).index(ds.options.get("currency", "")),
            format_func=lambda c: c or "The most common currency (convert others with a rate)",
        )
        given = ds.options.get("fx", {})
        rates = st.data_editor(
            pl.DataFrame(
                {"currency": found, "rate": [given.get(c) for c in found]},
                schema={"currency": pl.Utf8, "rate": pl.Float64},
            ),
            column_config={
                "currency": st.column_config.TextColumn(disabled=True),
                "rate": st.column_config.NumberColumn(
                    "1 unit = ? of the reporting currency", min_value=0.0, format="%.4f"
                ),
            },
            hide_index=True,
            key="fx_rates",
        )
        if st.form_submit_button("Apply currencies"):
            fx = {r["currency"]: r["rate"] for r in pl.DataFrame(rates).iter_rows(named=True)}
            state.set_options(
                currency=report_in or None, fx={c: r for c, r in fx.items() if r and r > 0}
            )
            st.rerun()

cust, cerr = loading.customers_file()
if cerr is not None:
    ui.show_error(cerr, "The customers file cannot be used")

# ---------------------------------------------------------------- quality report


@loading.dataset_cache(shared=4, private=1)
def _quality(key: str, _loaded, _customers):
    """Once per file, sheet, mapping and customers file (seconds at 10M lines)."""
    return quality_report(_loaded, _customers)


ds = loading.dataset()
q = _quality(
    f"{ds.orders.digest}|{ds.orders.sheet}|{loading.mapping_key(ds)}|"
    f"{ds.customers.digest if ds.customers else '-'}|{err is None}",
    loaded,
    cust,
)
st.subheader("Data quality")
ui.kpi_cards(
    [
        ui.Kpi("Rows read", ui.num(q.rows_read)),
        ui.Kpi(
            "Rows used",
            ui.num(q.rows_used),
            delta=f"-{q.rows_rejected:,} set aside" if q.rows_rejected else None,
            delta_color="inverse",
        ),
        ui.Kpi(
            "Months covered",
            ui.num(q.months),
            help=f"Orders from {q.first_date} to {q.last_date}"
            + ("; the first month is partial" if q.partial_first_month else "")
            + ("; the last month is partial" if q.partial_last_month else "")
            + ".",
        ),
        ui.Kpi("Duplicate rows", ui.num(q.duplicate_rows)),
        ui.Kpi("Zero / negative amounts", ui.num(q.nonpositive.height)),
        ui.Kpi("Outlier amounts", ui.num(q.outliers.height)),
        ui.Kpi(
            "Inconsistent attributes",
            ui.num(int(q.inconsistent["customers"].max() or 0) if q.inconsistent.height else 0),
            help="Customers with more than one value of an attribute (largest count over the "
            "attributes); the most frequent value is used.",
        ),
        ui.Kpi(
            "Customers without orders",
            ui.num(q.customers_without_orders) if cust is not None else "no file",
        ),
    ]
)
st.caption(
    f"Orders from **{q.first_date}** to **{q.last_date}**"
    + (" · first month partial" if q.partial_first_month else "")
    + (" · last month partial" if q.partial_last_month else "")
    + (
        f" · {fmt.count(q.customers_without_orders, 'customers-file row')} "
        + ("has" if q.customers_without_orders == 1 else "have")
        + " no orders"
        if cust is not None
        else ""
    )
)
if q.issues:
    st.warning("\n".join(f"- {i}" for i in q.issues))
else:
    st.success("No problems found in this file.")
if q.duplicate_rows:
    dropping = bool(ds.options.get("drop_duplicates"))
    drop = st.toggle(
        f"Drop the {q.duplicate_rows:,} exact duplicate "
        + ("row" if q.duplicate_rows == 1 else "rows"),
        value=dropping,
        help="A row is an exact duplicate when every cell equals an earlier row's. Kept, each "
        "copy counts as a sale; dropped, the first copy is kept. Every page uses this setting.",
    )
    st.caption(
        "In use on every page: "
        + (
            "duplicates dropped, each repeated row counts once."
            if dropping
            else "duplicates kept, each copy counts as a sale."
        )
    )
    if drop != dropping:
        state.set_options(drop_duplicates=drop or None)
        st.rerun()

t1, t2, t3, t4, t5 = st.tabs(
    ["Rows set aside", "Missing values", "Amounts", "Inconsistent attributes", "Preview"]
)
with t1:
    if q.rejected.height:
        st.caption("Rows that could not be used, with the reason and the original values.")
        ui.table(q.rejected, "rows_set_aside")
    else:
        st.success("Every row was used.")
with t2:
    ui.table(
        q.missing,
        "missing_values",
        formats={
            "share": st.column_config.ProgressColumn(format="percent", step=tables.PERCENT_STEP)
        },
    )
with t3:
    st.markdown(f"**Zero or negative amounts** ({q.nonpositive.height:,})")
    ui.table(q.nonpositive.head(500), "nonpositive_amounts", formats=LINE_AMOUNTS, download=False)
    downloads.download_buttons(q.nonpositive, "nonpositive_amounts")
    thr = ui.money(q.outlier_threshold, 2) if q.outlier_threshold else "–"
    st.markdown(
        f"**Unusually large amounts** (above {thr}; {fmt.count(q.outliers.height, 'line')})"
    )
    ui.table(q.outliers.head(500), "outlier_amounts", formats=LINE_AMOUNTS, download=False)
    downloads.download_buttons(q.outliers, "outlier_amounts")
with t4:
    ui.table(q.inconsistent, "inconsistent_attributes")
with t5:
    st.markdown("**As read from the file**")
    st.dataframe(raw.head(20), hide_index=True)
    st.markdown("**As understood** (canonical columns)")
    ui.table(loaded.orders.head(20), "orders_understood", formats=LINE_AMOUNTS, download=False)
