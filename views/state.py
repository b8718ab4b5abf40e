"""What the user chose and the pages read: the dataset in use (the sample, an upload, a sheet,
its mapping and reading options: a change resets the filters), the sidebar's filters, the
settings (thresholds, as of), and `AppData` built from them for a page (`app_data`); what is
computed ahead of time for it (`prepare_ahead`, views.ahead).

Everything here lives in st.session_state so it holds while the user moves between pages. How
the files are kept and read into frames, and the caches pages use, are views.loading's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import polars as pl
import streamlit as st

from core.clv import ClvFit
from core.errors import InputError
from core.hub import metrics_with_fit, with_status
from core.ingest import Loaded
from core.model.filters import Filters, apply_filters, dimension_values
from core.model.settings import AT_RISK_DAYS, CHURN_DAYS, Settings, check_thresholds
from views import ahead, loading, ui, widgets
from views.loading import (
    Dataset,
    Source,
    customers_file,
    dataset,
    is_sample,
    mapping_key,
    try_load,
    two_scopes,
)

# ---------------------------------------------------------------- the dataset the user chose


def use_sample() -> None:
    loading.set_dataset(loading.sample_dataset())
    _forget_filters()
    loading.prune_stash()


def use_upload(name: str, data: bytes, sheet: str | None = None) -> None:
    """Switch to an uploaded orders file (the customers file of the sample is dropped)."""
    src = Source.of(name, data, sheet)
    loading.stash(src.digest, data)
    loading.set_dataset(Dataset("upload", src))
    _forget_filters()
    loading.prune_stash()
    loading.keep_upload()


def use_sheet(sheet: str | None) -> None:
    """Read another sheet of the uploaded workbook (None: the first that holds a table)."""
    ds = dataset()
    loading.set_dataset(replace(ds, orders=replace(ds.orders, sheet=sheet), overrides={}))
    _forget_filters()


def set_customers_file(name: str | None, data: bytes | None) -> None:
    ds = dataset()
    if name and data:
        ds.customers = Source.of(name, data)
        loading.stash(ds.customers.digest, data)
    else:
        ds.customers = None
    loading.prune_stash()


def set_overrides(overrides: dict[str, str]) -> None:
    dataset().overrides = dict(overrides)
    _forget_filters()


def set_options(**options) -> None:
    """How the file is read beyond the mapping: date_format, fx ({CUR: rate}), currency."""
    ds = dataset()
    ds.options = {k: v for k, v in {**ds.options, **options}.items() if v}
    _forget_filters()


# ---------------------------------------------------------------- settings and filters


DEFAULT_SETTINGS = {"churn_days": CHURN_DAYS, "at_risk_days": AT_RISK_DAYS}
AS_OF = "as_of"  # the sidebar's as-of widget (its key is also the URL parameter)


def settings_values() -> dict:
    """churn_days, at_risk_days (shared by every page) and as_of (the sidebar's date; None: the
    last order date) as the user set them."""
    values = st.session_state.setdefault("settings", dict(DEFAULT_SETTINGS))
    values["as_of"] = st.session_state.get(AS_OF)
    return values


def set_settings(**values) -> None:
    """Change the shared thresholds (churn_days, at_risk_days) for every page."""
    settings_values().update(values)


def settings_from_link() -> None:
    """Once per session: thresholds given in the URL, when they are whole days that fit together
    (otherwise they are left as they are and the link notice names them)."""
    if st.session_state.get("_settings_from_link"):
        return
    st.session_state["_settings_from_link"] = True
    given = {k: widgets.link_value(k) for k in DEFAULT_SETTINGS}
    if not any(given.values()):
        return
    values = {k: int(v) if v and v.isdigit() else settings_values()[k] for k, v in given.items()}
    try:
        check_thresholds(values["churn_days"], values["at_risk_days"])
    except InputError:
        return
    set_settings(**values)


def as_of_in_use() -> date | None:
    """The as-of date every page uses: the sidebar's date when set, else the end of the date
    filter when there is one, else the last order date of the whole file (a filter on region,
    category ... does not move it). None when the file cannot be loaded."""
    chosen = settings_values().get("as_of")
    if chosen:
        return chosen
    if filters().end:
        return filters().end
    loaded, _ = try_load()
    return None if loaded is None else loaded.orders["order_date"].max()


def filters() -> Filters:
    return st.session_state.get("filters") or Filters()


def set_filters(f: Filters) -> None:
    st.session_state["filters"] = f


def _forget_filters() -> None:
    """A new dataset or mapping: the filter widgets go back to their defaults on the next run."""
    st.session_state.pop("filters", None)
    ahead.forget()
    st.session_state["_reset_filters"] = True


def reset_filter_widgets_if_asked(defaults: dict[str, object]) -> None:
    """Called before the filter widgets are drawn: apply a reset asked for by _forget_filters."""
    if st.session_state.pop("_reset_filters", False):
        for key, value in defaults.items():
            st.session_state[key] = value


def _dimension_values_fn(key: str, _orders: pl.DataFrame) -> dict[str, list[str]]:
    return dimension_values(_orders)


_dimension_values = two_scopes(_dimension_values_fn, shared=4, private=2)


def filter_options(loaded: Loaded) -> dict[str, list[str]]:
    """The values each sidebar filter offers, once per dataset and mapping."""
    ds = dataset()
    key = f"{ds.orders.digest}|{mapping_key(ds)}"
    return _dimension_values(is_sample(ds.orders), key, loaded.orders)


def _filtered_fn(key: str, _orders: pl.DataFrame, _filters: Filters) -> pl.DataFrame:
    return apply_filters(_orders, _filters)


def _hub_fn(
    key: str,
    _orders: pl.DataFrame,
    _customers: pl.DataFrame | None,
    as_of: date,
    _ahead: Future | None = None,
) -> tuple[pl.DataFrame, ClvFit | None]:
    """The threshold-free customer table and the CLV fit of its columns (one fit, read by the
    Churn page's diagnostics and the Action plan too), once per dataset, filters and as_of: the
    result of the job computing them ahead (prepare_ahead) when there is one."""
    if _ahead is not None:
        return _ahead.result()
    return metrics_with_fit(_orders, as_of=as_of, customers=_customers)


_HUB_PRIVATE = 3  # customer tables one session keeps
_filtered = two_scopes(_filtered_fn, shared=8, private=2)
_hub = two_scopes(_hub_fn, shared=8, private=_HUB_PRIVATE, spinner="Computing customer metrics…")


# ---------------------------------------------------------------- what pages use


@dataclass
class AppData:
    """What a page needs: the filtered orders, the hub table, settings and file metadata."""

    name: str
    key: str  # changes with dataset, mapping, filters and settings: use it as a cache key
    dataset_key: str  # changes with dataset and mapping only (what all_orders depends on)
    orders_key: str  # changes with dataset, mapping and filters (what orders depends on)
    hub_key: str  # changes with dataset, mapping, filters and as_of (not the thresholds)
    loaded: Loaded
    orders: pl.DataFrame
    all_orders: pl.DataFrame
    customers_file: pl.DataFrame | None
    settings: Settings
    filters: Filters
    shared: bool = False  # the bundled sample: its caches are shared by every session

    @property
    def mapping(self) -> dict[str, str]:
        return self.loaded.mapping

    @property
    def warnings(self) -> list[str]:
        return self.loaded.warnings

    @property
    def has_dates(self) -> bool:
        """Whether the orders carry dates (views.needs.dates stops a page that needs them)."""
        return self.loaded.has_dates

    @property
    def returns(self) -> pl.DataFrame:
        """Return and cancellation lines (negative), under the same sidebar filters."""
        r = self.loaded.returns
        return apply_filters(r, self.filters) if self.filters.active and r.height else r

    @property
    def experiment(self) -> pl.DataFrame | None:
        """The experiment table: uploaded on the A/B page, else the bundled sample."""
        up = st.session_state.get("experiment_upload")
        return up if up is not None else loading.sample_experiment()

    def customer_table(self) -> pl.DataFrame:
        """The customer metrics table (SPEC hub): cached per dataset, filters and as_of; the
        status for the current thresholds is a cheap view on it (a threshold change never
        refits CLV)."""
        s = self.settings
        return with_status(self._hub()[0], s.churn_days, s.at_risk_days)

    def customer_metrics(self) -> pl.DataFrame:
        """customer_table() without waiting for its CLV fit while that runs ahead: its CLV
        columns null then (for what reads none of them: views.customers puts them on where it
        shows them), else customer_table() itself."""
        first = ahead.first("customer_table", self.hub_key)
        early = first.result() if first is not None else None
        if early is None:
            return self.customer_table()
        return with_status(early, self.settings.churn_days, self.settings.at_risk_days)

    def customer_table_later(self) -> Callable[[], pl.DataFrame]:
        """customer_table() for what is built outside the run (a workbook, on its download):
        from the job computing it ahead while that runs, else this run's (cached) table."""
        job = ahead.peek("customer_table", self.hub_key)
        s = self.settings
        if job is not None and not job.done():
            return lambda: with_status(job.result()[0], s.churn_days, s.at_risk_days)
        table = self.customer_table()
        return lambda: table

    def clv_fit(self) -> ClvFit | None:
        """The CLV fit of the customer table's columns (core.clv.fit on these orders and as_of),
        from the same cache entry: the fit diagnostics and the Action plan fit nothing again."""
        return self._hub()[1]

    def _hub(self) -> tuple[pl.DataFrame, ClvFit | None]:
        job = ahead.take("customer_table", self.hub_key)
        ahead.have("customer_table", self.hub_key)  # also when it fails: the page says why
        return _hub(
            self.shared, self.hub_key, self.orders, self.customers_file, self.settings.as_of, job
        )


def _current(loaded: Loaded, cust: pl.DataFrame | None) -> AppData:
    """The current dataset, filters and settings as an AppData (no UI: callers check it)."""
    ds = dataset()
    f = filters()
    fkey = f"{ds.orders.digest}|{mapping_key(ds)}|{f.key()}"
    shared = is_sample(ds.orders)
    orders = _filtered(shared, fkey, loaded.orders, f) if f.active else loaded.orders
    sv = settings_values()
    settings = Settings(
        as_of=as_of_in_use(),
        churn_days=int(sv["churn_days"]),
        at_risk_days=int(sv["at_risk_days"]),
    )
    cdig = ds.customers.digest if ds.customers else "-"
    hub_key = f"{fkey}|{cdig}|{settings.as_of}"
    key = f"{hub_key}|{settings.churn_days}|{settings.at_risk_days}"
    return AppData(
        name=ds.orders.name,
        key=hashlib.sha1(key.encode()).hexdigest(),
        dataset_key=hashlib.sha1(f"{ds.orders.digest}|{mapping_key(ds)}".encode()).hexdigest(),
        orders_key=hashlib.sha1(fkey.encode()).hexdigest(),
        hub_key=hashlib.sha1(hub_key.encode()).hexdigest(),
        loaded=loaded,
        orders=orders,
        all_orders=loaded.orders,
        customers_file=cust,
        settings=settings,
        filters=f,
        shared=shared,
    )


def app_data() -> AppData:
    """The current dataset, filtered. On bad input shows st.error and stops the page."""
    loaded, err = try_load()
    if err is not None:
        st.error(f"The orders file cannot be used: {err}")
        st.page_link("views/data.py", label="Fix the column mapping on the Data page", icon="🛠️")
        st.stop()
    cust, cerr = customers_file()
    if cerr is not None:
        st.warning(f"The customers file is ignored: {cerr}")
    data = _current(loaded, cust)
    if data.orders.height == 0:
        st.warning("No orders match the filters in the sidebar. Widen them to see results.")
        st.stop()
    ui.set_currency(loaded.currency.currency)
    return data


# ---------------------------------------------------------------- work done ahead of time
def _ahead_jobs(data: AppData) -> dict[str, Callable[[], Any]]:
    """What is computed ahead (views.ahead), in order; every one is keyed by data.hub_key."""
    as_of = data.settings.as_of

    def churn_suggestion() -> Any:
        from core import churn

        return churn.suggest_thresholds(data.orders, as_of)

    return {
        "customer_table": ahead.Staged(  # first the table before its CLV fit (customer_metrics)
            lambda ready: metrics_with_fit(
                data.orders, as_of=as_of, customers=data.customers_file, ready=ready
            )
        ),
        "churn_suggestion": churn_suggestion,
    }


def prepare_ahead() -> None:
    """Called at the end of every run: on an upload, start in the background what this session
    does not have yet for the current dataset, filters and as_of (views.ahead)."""
    ahead.release_all()  # what this run held (views.ahead.Staged.hold) goes on
    if is_sample(dataset().orders):
        return
    loaded, err = try_load()
    cust, cerr = customers_file()
    if err is not None or loaded is None:
        return
    data = _current(loaded, None if cerr is not None else cust)
    if data.orders.height == 0:
        return
    start_ahead(data)


def start_ahead(data: AppData) -> None:
    """On an upload, start in the background what this session does not have yet for `data`
    (views.ahead): also called by a page as it opens, which then draws what needs none of it
    (the Churn page, on a filter change: its customer table is computed meanwhile)."""
    if not data.shared:
        ahead.start(_ahead_jobs(data), data.hub_key)


def with_as_of(settings: Settings, as_of: date | None) -> Settings:
    return replace(settings, as_of=as_of)
