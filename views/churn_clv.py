"""The Churn page's "Predicted churn & CLV" tab (views/churn.py): what the BG/NBD and
Gamma-Gamma models predict, their fitted parameters and frequency fit (the customer table's own
fit: data.clv_fit, nothing fitted again), and the calibration / holdout check; when the tab is
closed, its tables for the page's workbook, built when it is downloaded.
"""

from __future__ import annotations

from functools import cache, partial

import polars as pl
import streamlit as st

from core import clv
from core.charts import churn as charts
from core.clv.fit import ClvFit
from core.errors import InputError
from views import downloads, loading, ui, widgets
from views.downloads import or_none
from views.state import AppData


@loading.dataset_cache(shared=8, private=2)
def _fit(key: str, _orders: pl.DataFrame, as_of, _fitted) -> tuple[dict, pl.DataFrame]:
    """The fit report and histogram of the customer table's CLV fit (data.clv_fit): nothing is
    fitted again."""
    return clv.fit_diagnostics(_orders, as_of, "days", fitted=_fitted)


@loading.dataset_cache(shared=8, private=2, spinner="Fitting on the calibration period…")
def _holdout(key: str, _orders: pl.DataFrame, cut, end) -> pl.DataFrame:
    return _holdout_of(_orders, cut, end)


@st.fragment
def holdout_section(data: AppData, earliest, suggested, end) -> None:
    orders = data.orders
    st.markdown(
        "**Calibration / holdout check.** Fit on the orders before a cut date, predict the "
        "purchases after it, and compare with what happened."
    )
    h1, h2 = st.columns([1, 3])
    cut = h1.date_input(
        "Cut date", value=suggested, min_value=earliest, max_value=end, **widgets.keep("clv_cut")
    )
    run = h1.button("Run the check", key="clv_holdout_run")
    if not run and st.session_state.get("clv_holdout_for") != (data.hub_key, cut):
        h2.caption(f"Pick a cut date and run the check; the holdout runs to {end}.")
        return
    st.session_state["clv_holdout_for"] = (data.hub_key, cut)
    try:
        hs = _holdout(data.hub_key, orders, cut, end)
    except InputError as exc:
        h2.warning(f"The check cannot run with this cut date: {exc}")
        return
    ui.chart(
        charts.holdout_fit(clv.holdout_summary_long(hs), f"Holdout {cut} to {end}"),
        "clv_holdout",
        h2,
        fit=True,
    )
    ui.table(
        hs,
        "clv_holdout",
        key="clv_holdout",
        hide=["frequency_cal"],
        labels={
            "label": "Repeat purchases before the cut",
            "actual": "Actual purchases (mean)",
            "predicted": "Model purchases (mean)",
        },
    )


def _top_by_clv(predicted: pl.DataFrame) -> pl.DataFrame:
    """The 20 customers with the highest expected revenue in the next 365 days."""
    return (
        predicted.sort("expected_clv_365d", descending=True)
        .head(20)
        .select(
            *("customer_id", "expected_clv_365d", "expected_purchases_90d", "p_alive"),
            *("orders", "revenue", "recency_days"),
        )
    )


def _holdout_of(orders: pl.DataFrame, cut, end) -> pl.DataFrame:
    return clv.holdout_summary(clv.calibration_holdout(orders, cut, end))


def _predicted(hub: pl.DataFrame) -> pl.DataFrame:
    """The customers with an expected CLV."""
    return hub.filter(pl.col("expected_clv_365d").is_not_null())


def trusted(fitted: ClvFit | None) -> bool:
    """Whether the customer table's CLV fit can be trusted (clv.fit_report's trust.ok)."""
    return fitted is not None and fitted.quality.ok


def _predicts(hub: pl.DataFrame, fitted: ClvFit | None) -> bool:
    """Whether the customer table holds trusted predictions."""
    return trusted(fitted) and "expected_clv_365d" in hub.columns


def register_closed(data: AppData, hub: pl.DataFrame, fitted: ClvFit | None) -> None:
    """The closed tab's tables for the workbook."""
    orders, s, predicts = data.orders, data.settings, _predicts(hub, fitted)
    if fitted is None or fitted.bgnbd is not None:  # else the tab says it cannot be fitted
        diagnostics = cache(partial(clv.fit_diagnostics, orders, s.as_of, "days", fitted=fitted))
        if predicts:
            downloads.register_later(
                "top_customers_by_clv", lambda hub=hub: _top_by_clv(_predicted(hub))
            )
        downloads.register_later(
            "clv_parameters", or_none(lambda d=diagnostics: clv.parameter_table(d()[0]))
        )
        downloads.register_later("clv_frequency_fit", or_none(lambda d=diagnostics: d()[1]))
        cut_dates = clv.holdout_cut_dates(orders["order_date"].min(), s.as_of)
        if cut_dates is not None:  # the check, when it was run for this cut (holdout_section)
            cut = widgets.kept("clv_cut", cut_dates[1])  # (the control sits below the fit)
            if st.session_state.get("clv_holdout_for") == (data.hub_key, cut):
                downloads.register_later(
                    "clv_holdout", or_none(partial(_holdout_of, orders, cut, s.as_of))
                )


def tab(data: AppData, hub: pl.DataFrame, fitted: ClvFit | None) -> None:
    """The open tab."""
    orders, s, predicts = data.orders, data.settings, _predicts(hub, fitted)
    st.markdown(
        "**BG/NBD** models how often each customer buys and the chance they have silently "
        "dropped out (**P(alive)**); **Gamma-Gamma** models how much they spend per purchase. "
        "Together they give the expected purchases and the expected revenue (**CLV**) of the "
        "next 365 days. Fitted by maximum likelihood on the orders up to the as-of date, time "
        "in days."
    )
    st.info(
        "**P(alive) for one-time buyers.** "
        + clv.P_ALIVE_ONE_TIME_NOTE
        + " So a customer with a single order shows P(alive) = 100% however long ago they "
        "bought: judge them by their days since last order and expected purchases, or by the "
        "churn threshold above.",
        icon=":material/info:",
    )
    try:
        report, hist = _fit(data.hub_key, orders, s.as_of, fitted)
        clv_error = None
    except InputError as exc:
        clv_error = exc
    if clv_error is not None:
        st.warning(f"The models cannot be fitted on this data: {clv_error}")
    else:
        if not report["trust"]["ok"]:
            st.warning(
                f"**The model cannot be trusted on this data.** {report['trust']['reason']} "
                "P(alive), expected purchases and CLV are left out of the churn list and the "
                "customer table; status follows the churn thresholds above. The diagnostics "
                "below show where the model misses.",
                icon=":material/warning:",
            )
        if predicts:
            predicted = _predicted(hub)
            st.markdown("**What the models predict** for the customers of this data")
            ui.kpi_cards(
                [
                    ui.Kpi(
                        "Expected revenue, next 365 days",
                        ui.money(predicted["expected_clv_365d"].sum()),
                        help="Sum of every customer's expected CLV (365 days).",
                    ),
                    ui.Kpi(
                        "Expected purchases, next 90 days",
                        ui.num(predicted["expected_purchases_90d"].sum()),
                        help="Sum of every customer's expected purchases (90 days).",
                    ),
                    ui.Kpi(
                        "Median customer CLV (365 days)",
                        ui.money(predicted["expected_clv_365d"].median(), 2),
                        help="Half the customers are expected to spend less, half more.",
                    ),
                ],
                per_row=3,
            )
            ui.table(_top_by_clv(predicted), "top_customers_by_clv", key="clv_top")
            st.caption("The 20 customers with the highest expected revenue in the next 365 days.")
        params = clv.parameter_table(report)
        st.markdown(
            f"**Fitted parameters** ({report['customers']:,} customers, "
            f"{report['repeat_customers']:,} with repeat purchases)"
        )
        p1, p2 = st.columns([3, 2])
        with p1:
            ui.table(
                params,
                "clv_parameters",
                key="clv_params",
                formats={"value": "%.4f"},  # fitted model parameters, not amounts
            )
        if report["gamma_gamma"] is None:
            p1.caption("The spend model could not be fitted, so expected CLV is not shown.")
        with p2:
            ui.chart(
                charts.frequency_fit(clv.frequency_histogram_long(hist)),
                "clv_frequency_fit",
                fit=True,
            )
        with st.expander("Frequency fit figures"):
            ui.table(
                hist,
                "clv_frequency_fit",
                key="clv_hist",
                hide=["frequency"],
                labels={
                    "label": "Repeat purchases",
                    "actual": "Actual customers",
                    "expected": "Model customers",
                },
                formats={"expected": "%,.1f"},  # a model's mean count
            )
        cut_dates = clv.holdout_cut_dates(orders["order_date"].min(), s.as_of)
        if cut_dates is not None:
            holdout_section(data, *cut_dates, s.as_of)
