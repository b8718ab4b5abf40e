"""A/B test: check an experiment's health, read the result in plain words, plan and assign.

Tabs: analyse an experiment (the bundled one or an upload), plan the sample size, and create a
hashed assignment for a customer list. Every figure comes from core (core.experiments,
core.assign); every chart from core.charts.abtest.
"""

from __future__ import annotations

import hashlib

import polars as pl
import streamlit as st

from core import experiments as ex
from core.assign import assign, parse_split, parse_variants, pick_units, split_summary, unit_choices
from core.charts import abtest as charts
from core.experiments import Analysis, from_frame
from core.glossary import define
from core.ingest.readers import read_table
from core.model.errors import InputError
from core.model.status import STATUS_LABELS
from views import downloads, loading, state, ui, widgets

NONE = "— none —"
UNDER_THE_HOOD = ("Theta", "SMD", "Holm / Benjamini-Hochberg correction", "Delta method")
CORRECTIONS = {"Holm": "holm", "Benjamini-Hochberg": "bh", "None": "none"}
ROLE_PICKERS = (  # role, label, optional
    ("variant", "Variant", False),
    ("outcome", "Outcome", False),
    ("pre_period", "Pre-period covariate (CUPED)", True),
    ("segment", "Segment", True),
    ("date", "Date", True),
)
VERDICT_BOX = {"win": st.success, "lose": st.error, "untrusted": st.error}
# the assignment tables: the hash bucket is a fraction in [0, 1), "units" are customers here
ASSIGNED_LABELS = {"units": "Customers"}
ASSIGNED_FORMATS = {"bucket": "%.4f"}
# the result tables: core's headers; each column's kind, "value" by the kind of outcome
RESULT_LABELS = {c: label for c, (label, _) in ex.RESULT_COLUMNS.items()}
RESULT_KINDS = {
    "count": "count",
    "share": "percent",
    "p": "p_value",
    "text": "text",
    "number": "%.4g",
}


# ---------------------------------------------------------------- cached core calls
@st.cache_data(show_spinner="Analysing the experiment…", max_entries=24)
def _analysis(key: str, name: str, overrides: tuple, options: tuple, _df: pl.DataFrame):
    """The cleaned experiment and its analysis; `options` are (name, value) pairs for analyse."""
    exp = from_frame(_df, name=name, overrides=dict(overrides))
    return exp, ex.analyse(exp, **dict(options))


@st.cache_data(show_spinner=False, max_entries=6)
def _read_upload(digest: str, name: str, _data: bytes) -> pl.DataFrame:
    return read_table(_data, name=name)


@loading.dataset_cache(shared=8, private=3)
def _unit_choices(key: str, _table: pl.DataFrame) -> tuple[list[str], list[str]]:
    return unit_choices(_table)


@loading.dataset_cache(shared=8, private=3)
def _units(key: str, statuses: tuple[str, ...], segs: tuple[str, ...], _table: pl.DataFrame):
    return pick_units(_table, statuses, segs)


@loading.dataset_cache(shared=8, private=3)
def _assigned(
    key: str,
    variants: tuple[str, ...],
    split: tuple[float, ...] | None,
    salt: str,
    id_col: str,
    strata: str | None,
    _units: pl.DataFrame,
):
    """The assignment of `_units` (key: which units) and its split summary (every customer of
    a segment hashed again on each rerun before)."""
    out = assign(_units, variants, split, salt=salt, unit=id_col, strata=strata)
    return out, split_summary(out, strata)


def _table(df: pl.DataFrame, name: str, key: str, kind: str) -> None:
    """A result table: core's headers, the value columns as % for a rate outcome."""
    value = "percent" if kind == "proportion" else "decimal"
    formats = {
        c: value if what == "value" else RESULT_KINDS[what]
        for c, (_, what) in ex.RESULT_COLUMNS.items()
    }
    ui.table(df, name, key, labels=RESULT_LABELS, formats=formats)


# ---------------------------------------------------------------- sections
def choose_file() -> tuple[pl.DataFrame | None, str, str]:
    """The experiment table (upload or bundled sample), its name and a cache key."""
    up = st.file_uploader(
        "Upload another experiment (row level, or one row per variant with units and "
        "conversions / sum and sum_squares)",
        type=["csv", "tsv", "txt", "gz", "xlsx", "parquet"],
        key="ab_upload",
    )
    if up is not None:
        data = up.getvalue()
        digest = hashlib.sha1(data).hexdigest()
        try:
            df = _read_upload(digest, up.name, data)
        except InputError as exc:
            ui.show_error(exc, "The experiment file cannot be read")
            return None, up.name, digest
        st.session_state["experiment_upload"] = df
        return df, up.name, digest
    offered = st.session_state.get("experiment_offer")  # sent by the Action plan page
    if offered is not None:
        name, df = offered
        st.caption(f"Showing {name}, sent from the Action plan.")
        if st.button("Back to the bundled sample", key="ab_drop_offer"):
            st.session_state.pop("experiment_offer", None)
            st.rerun()
        st.session_state["experiment_upload"] = df
        return df, name, hashlib.sha1(f"{name}{df.hash_rows().sum()}".encode()).hexdigest()
    st.session_state.pop("experiment_upload", None)
    st.caption("Showing the bundled sample: a retention offer tested on 2,000 customers.")
    return state.app_data().experiment, "experiment.csv", "sample"


def role_editor(df: pl.DataFrame, key: str) -> dict[str, str]:
    """Detected roles, editable. Returns overrides (empty string switches an optional role off)."""
    saved = f"ab_over_{key}"
    try:
        detected = from_frame(df, overrides=st.session_state.get(saved, {}))
    except InputError:
        detected = None
    over: dict[str, str] = {}
    with st.expander("Columns (detected automatically; change them if needed)", expanded=False):
        if detected is not None and detected.aggregated:
            st.write(ex.roles_summary(detected))
            return {}
        roles = detected.roles if detected else {}
        for col, (role, label, optional) in zip(st.columns(5), ROLE_PICKERS, strict=True):
            options = ([NONE] if optional else []) + df.columns
            current = roles.get(role, NONE if optional else df.columns[0])
            pick = col.selectbox(
                label, options, index=options.index(current), key=f"ab_role_{role}_{key}"
            )
            if pick != current:
                over[role] = "" if pick == NONE else pick
    if over:
        st.session_state[saved] = st.session_state.get(saved, {}) | over
    return st.session_state.get(saved, {})


def health_section(res: Analysis) -> None:
    st.subheader("Health checks")
    for c in res.checks:
        if c.ok:
            st.markdown(f":green[:material/check_circle:] **{c.name}.** {c.detail}")
        elif c.blocking:
            st.error(f"**{c.name} failed.** {c.detail}", icon=":material/error:")
        else:
            st.warning(f"**{c.name}.** {c.detail}", icon=":material/warning:")
    for w in res.warnings:
        st.caption(f":material/info: {w}")
    if res.balance.height:
        with st.expander("Covariate balance details"):
            st.caption(define("SMD"))
            ui.table(res.balance, "covariate_balance", key="ab_balance")


def verdict_section(res: Analysis) -> None:
    for r in res.variants:
        v = res.verdicts[r.variant]
        VERDICT_BOX.get(v.outcome, st.info)(
            f"**{v.headline}**\n\n{v.detail}\n\n**{v.recommendation}**"
        )
        for note in v.notes:
            st.caption(note)
        ui.kpi_cards(
            [
                ui.Kpi(f.label, f.value, f.delta, f.help, delta_color=f.delta_color)
                for f in ex.headline_figures(res, r)
            ]
        )


def results_section(res: Analysis) -> None:
    st.subheader("Results per variant")
    _table(ex.results_table(res), "ab_results", "ab_results", res.kind)
    for note in ex.small_count_notes(res):
        st.warning(note)
    c1, c2 = st.columns(2)
    with c1:
        st.markdown(
            f"**{ex.metric_label(res.metric).capitalize()} per variant** (with CI; "
            ":green[green: better], :red[red: worse], :blue[blue: no clear difference])"
        )
        iv = ex.variant_intervals(res)
        ui.chart(
            charts.variant_values(iv, res.kind, res.metric, res.lower_is_better),
            "ab_variant_values",
        )
        with st.expander("Chart data"):
            value = "percent" if res.kind == "proportion" else "decimal"
            ui.table(
                iv,
                "ab_variant_values",
                key="ab_iv",
                formats=dict.fromkeys(["value", "ci_low", "ci_high"], value),
            )
    with c2:
        st.markdown("**Where the true lift probably is** (Bayesian posterior)")
        post = ex.lift_posterior(res)
        if post.height:
            ui.chart(charts.lift_posterior(post, res.lower_is_better), "ab_lift_posterior")
        else:
            st.info("No posterior: the variance is zero.")
        with st.expander("Chart data"):
            ui.table(post, "ab_lift_posterior", key="ab_post", formats={"density": "%.4f"})
    if res.cumulative is not None and res.cumulative.height:
        st.markdown("**Cumulative lift over time**")
        ui.chart(charts.cumulative_lift(res.cumulative, res.lower_is_better), "ab_cumulative_lift")
        with st.expander("Chart data"):
            ui.table(res.cumulative, "ab_cumulative_lift", key="ab_cum")


def cuped_section(res: Analysis) -> None:
    if res.cuped is None:
        return
    st.subheader("CUPED: adjusting for the pre-period")
    st.write(ex.cuped_summary(res))
    _table(ex.cuped_table(res), "ab_cuped", "ab_cuped", res.kind)


def under_the_hood() -> None:
    """The statistical words of this page, explained (definitions from the glossary)."""
    with st.expander("Under the hood: the statistical terms on this page"):
        for term in UNDER_THE_HOOD:
            st.markdown(f"**{term}**: {define(term)}")


def segments_section(res: Analysis) -> None:
    if res.segments is None:
        return
    st.subheader(f"Effect per {res.segment}")
    st.info(ex.segment_caution(res), icon=":material/info:")
    if res.segments.height:
        ui.chart(charts.segment_lifts(res.segments, res.lower_is_better), "ab_segment_lifts")
    _table(res.segments, "ab_segments", "ab_segments", res.kind)


def power_section(res: Analysis | None) -> None:
    st.subheader("Sample size and minimum detectable effect")
    kind = st.radio("Outcome", ["Rate (0/1)", "Average (number)"], horizontal=True, key="pw_kind")
    c1, c2, c3, c4 = st.columns(4)
    alpha = c3.selectbox("Significance level", [0.01, 0.05, 0.10], index=1, key="pw_alpha")
    power = c4.selectbox("Power", [0.8, 0.9], key="pw_power")
    try:
        if kind.startswith("Rate"):
            default = round(100 * ex.baseline_rate(res), 1)
            base = c1.number_input("Baseline rate (%)", 0.1, 99.9, default, 0.5, key="pw_base")
            mde = c2.number_input(
                "Smallest lift worth finding (%, relative)", 1.0, 500.0, 10.0, key="pw_mde"
            )
            n = ex.sample_size_proportion(base / 100, mde / 100, alpha, power)
        else:
            base = c1.number_input("Baseline average", value=100.0, key="pw_mean")
            sd = c1.number_input("Standard deviation", value=50.0, min_value=0.01, key="pw_sd")
            mde = c2.number_input(
                "Smallest lift worth finding (%, relative)", 1.0, 500.0, 10.0, key="pw_mde_mean"
            )
            n = ex.sample_size_mean(sd, mde / 100, alpha, power, baseline=base)
    except ValueError as exc:
        st.error(f"Cannot compute the sample size: {exc}")
        return
    st.metric("Units needed per variant", f"{n:,}", border=True)
    st.caption(ex.sample_size_note(alpha, power))
    if res is not None:
        st.markdown("**This experiment** can reliably detect (80% power) a relative change of:")
        st.markdown("\n".join(f"- {line}" for line in ex.mde_lines(res)))


@st.fragment
def assignment_section(data) -> None:
    st.subheader("Create an assignment")
    st.caption(
        "Each customer id is hashed with the experiment name into a bucket: the same id always "
        "gets the same variant, and adding customers later does not move anyone."
    )
    source = st.radio(
        "Customers",
        ["A segment of the current customers", "Upload a customer list"],
        horizontal=True,
        key="as_source",
    )
    units = units_key = None
    if source.startswith("A segment"):
        table = data.customer_table()
        statuses, segments = _unit_choices(data.key, table)
        c1, c2 = st.columns(2)
        status = c1.multiselect(
            "Status",
            statuses,
            default=[s for s in ("at_risk",) if s in statuses],
            format_func=STATUS_LABELS.get,
            key="as_status",
            placeholder="All",
        )
        segs = c2.multiselect("RFM segment", segments, key="as_rfm", placeholder="All")
        units_key = f"{data.key}|{status}|{segs}"
        units = _units(units_key, tuple(status), tuple(segs), table)
    else:
        up = st.file_uploader(
            "Customer list (one id per row)", type=["csv", "xlsx", "parquet"], key="as_upload"
        )
        if up is not None:
            try:
                units = read_table(up.getvalue(), name=up.name)
                units_key = f"{up.file_id}|{up.name}"
            except InputError as exc:
                ui.show_error(exc, "The customer list cannot be read")
    if units is None:
        return
    st.write(f"**{units.height:,}** customers selected.")
    c1, c2, c3, c4 = st.columns(4)
    id_col = c1.selectbox("Id column", units.columns, key="as_id")
    names = c2.text_input("Variants", "control, offer", key="as_variants")
    split_text = c3.text_input("Split", "50/50", key="as_split")
    strata = c4.selectbox(
        "Stratify by", [NONE, *[c for c in units.columns if c != id_col]], key="as_strata"
    )
    strata = None if strata == NONE else strata
    salt = st.text_input("Experiment name (hash salt)", "retention-offer", key="as_salt")
    variants = parse_variants(names)
    try:
        split = parse_split(split_text, len(variants))
        out, summary = _assigned(units_key, tuple(variants), split, salt, id_col, strata, units)
    except InputError as exc:
        ui.show_error(exc, "Cannot assign")
        return
    shown = {"labels": ASSIGNED_LABELS, "formats": ASSIGNED_FORMATS, "download": False}
    ui.table(summary, "assignment_split", **shown)
    ui.table(out.head(1000), "assignment", **shown)
    if out.height > 1000:
        st.caption(
            f"The table shows the first 1,000 of {out.height:,} rows; the downloads hold all."
        )
    downloads.download_buttons(out, "assignment", key="as_all")


# ---------------------------------------------------------------- the page
st.title("A/B test")
st.caption(
    "Does the offer measurably improve outcomes, and should we scale it? Health checks first, "
    "then the result in plain words, with frequentist and Bayesian statistics."
)
data = state.app_data()
tab_result, tab_plan, tab_assign = st.tabs(
    [":material/science: Analyse", ":material/calculate: Plan", ":material/shuffle: Assign"]
)

res: Analysis | None = None
with tab_result:
    df, name, key = choose_file()
    if df is None:
        st.info("No experiment file: upload one above.")
    else:
        overrides = tuple(sorted(role_editor(df, key).items()))
        try:
            exp, first = _analysis(key, name, overrides, (), df)
        except InputError as exc:
            ui.show_error(exc, "The experiment cannot be analysed")
            exp = None
        if exp is not None:
            c1, c2, c3, c4 = st.columns(4)
            # kept for the session and in the URL; a kept value the file lacks falls back
            metric = c1.selectbox("Outcome", exp.outcomes, **widgets.keep("ab_metric"))
            control = c2.selectbox(
                "Control",
                exp.variants,
                index=exp.variants.index(first.control),
                **widgets.keep("ab_control"),
            )
            alpha = c3.selectbox(
                "Significance level", [0.01, 0.05, 0.10], index=1, **widgets.keep("ab_alpha")
            )
            split_text = c4.text_input(
                "Intended split",
                "/".join(["1"] * len(exp.variants)),
                key=f"ab_split_{key}",
                help="Shares per variant in the order " + ", ".join(exp.variants),
            )
            guess = ex.guess_lower_is_better(metric)
            lower = st.toggle(
                f"Lower {ex.metric_label(metric)} is better",
                value=guess,
                key=f"ab_lower_{key}_{metric}",
                help="Churn, returns, cancellations, bounces, cost and time are better when "
                "lower. Every outcome, chance to win, risk, text and colour follows this.",
            )
            st.caption(
                (
                    f":material/swap_vert: Guessed from the name {metric!r}: "
                    if lower == guess
                    else ":material/swap_vert: Set by you: "
                )
                + f"{'lower' if lower else 'higher'} {ex.metric_label(metric)} is better."
            )
            c5, c6, c7 = st.columns(3)
            correction = "holm"
            if len(exp.variants) > 2:
                picked = c5.radio(
                    "Correction for several variants",
                    list(CORRECTIONS),
                    horizontal=True,
                    key="ab_corr",
                    help=define("Holm / Benjamini-Hochberg correction"),
                )
                correction = CORRECTIONS[picked]
            cuped = False
            if exp.pre_period:
                cuped = c6.toggle(
                    f"Adjust for {exp.pre_period} (CUPED)",
                    key="ab_cuped",
                    help=define("CUPED") + " " + define("Theta"),
                )
            segment = None
            if exp.segments:
                segment = c7.selectbox("Break down by", exp.segments, key=f"ab_seg_{key}")
            try:
                weights = parse_split(split_text, len(exp.variants))
                options = dict(metric=metric, control=control, alpha=alpha, segment=segment)
                options |= dict(correction=correction, weights=weights, use_cuped=cuped)
                options |= dict(lower_is_better=lower)
                _, res = _analysis(key, name, overrides, tuple(options.items()), df)
            except InputError as exc:
                ui.show_error(exc, "The experiment cannot be analysed")
                res = None
            if res is not None:
                if not res.healthy:
                    st.error(
                        "**The health checks failed: do not trust this result.** "
                        + " ".join(res.problems),
                        icon=":material/gpp_bad:",
                    )
                verdict_section(res)
                health_section(res)
                results_section(res)
                cuped_section(res)
                segments_section(res)
                under_the_hood()

with tab_plan:
    power_section(res)

with tab_assign:
    assignment_section(data)

downloads.tables_workbook("experiments_tables")
