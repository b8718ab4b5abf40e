"""A/B test: check an experiment's health, read the result in plain words, plan and assign.

Tabs: analyse an experiment (the bundled one or an upload), plan the sample size, and create a
hashed assignment for a customer list. Every figure comes from core.experiment / core.abtest /
core.assign.
"""

from __future__ import annotations

import hashlib

import altair as alt
import polars as pl
import streamlit as st

from core import abtest as ab
from core.assign import assign, split_summary
from core.errors import InputError
from core.experiment import (
    Analysis,
    analyse,
    from_frame,
    lift_posterior,
    results_table,
    variant_intervals,
)
from core.ingest import read_table
from views import state, ui

NONE = "— none —"
CORRECTIONS = {"Holm": "holm", "Benjamini-Hochberg": "bh", "None": "none"}


# ---------------------------------------------------------------- cached core calls
@st.cache_data(show_spinner="Analysing the experiment…", max_entries=24)
def _analysis(
    key: str,
    name: str,
    overrides: tuple,
    metric: str | None,
    control: str | None,
    alpha: float,
    correction: str,
    weights: tuple | None,
    cuped: bool,
    segment: str | None,
    _df: pl.DataFrame,
):
    exp = from_frame(_df, name=name, overrides=dict(overrides))
    return exp, analyse(
        exp,
        metric=metric,
        control=control,
        alpha=alpha,
        correction=correction,
        weights=list(weights) if weights else None,
        use_cuped=cuped,
        segment=segment,
    )


@st.cache_data(show_spinner=False, max_entries=6)
def _read_upload(digest: str, name: str, _data: bytes) -> pl.DataFrame:
    return read_table(_data, name=name)


def _parse_split(text: str, n: int) -> tuple[float, ...] | None:
    """'50/50' or '20, 80' into weights; blank means equal."""
    parts = [p for p in text.replace(",", "/").replace(":", "/").split("/") if p.strip()]
    if not parts:
        return None
    try:
        w = tuple(float(p) for p in parts)
    except ValueError:
        raise InputError(f"the intended split {text!r} is not numbers like 50/50") from None
    if len(w) != n or min(w) <= 0:
        raise InputError(f"the intended split needs {n} positive shares (one per variant)")
    return w


def _columns(kind: str) -> dict:
    """Number formats for the result tables: percentages for rates and lifts, 4-digit p."""
    pct = st.column_config.NumberColumn(format="percent")
    value = pct if kind == "proportion" else st.column_config.NumberColumn(format="%.2f")
    p = st.column_config.NumberColumn(format="%.4f")
    cfg = {
        c: value
        for c in ("value", "control_value", "absolute_lift", "absolute_ci_low", "absolute_ci_high")
    }
    cfg |= {
        c: pct
        for c in (
            "relative_lift",
            "relative_ci_low",
            "relative_ci_high",
            "ci_low",
            "ci_high",
            "chance_to_win",
            "risk_control",
            "risk_variant",
            "relative_lift_cuped",
            "ci_low_cuped",
            "ci_high_cuped",
            "relative_lift_plain",
            "mde_relative",
        )
    }
    cfg |= {
        c: p
        for c in (
            "p_value",
            "p_adjusted",
            "relative_p_value",
            "fisher_p",
            "p_value_cuped",
            "p_value_plain",
        )
    }
    return cfg


# ---------------------------------------------------------------- charts
def _value_axis(kind: str) -> str:
    return ".1%" if kind == "proportion" else ",.2f"


def rates_chart(iv: pl.DataFrame, kind: str, metric: str) -> alt.Chart:
    fmt = _value_axis(kind)
    base = alt.Chart(iv).encode(
        y=alt.Y("variant:N", title=None, sort=None),
        color=alt.Color(
            "is_control:N",
            legend=None,
            scale=alt.Scale(domain=[True, False], range=["#7f8c8d", "#1f77b4"]),
        ),
        tooltip=[
            alt.Tooltip("variant:N"),
            alt.Tooltip("units:Q", format=","),
            alt.Tooltip("value:Q", title=metric, format=fmt),
            alt.Tooltip("ci_low:Q", title="CI low", format=fmt),
            alt.Tooltip("ci_high:Q", title="CI high", format=fmt),
        ],
    )
    bars = base.mark_rule(strokeWidth=3).encode(
        x=alt.X(
            "ci_low:Q",
            title=ab.metric_label(metric),
            axis=alt.Axis(format=fmt),
            scale=alt.Scale(zero=False, nice=True),
        ),
        x2="ci_high:Q",
    )
    points = base.mark_point(filled=True, size=140).encode(x="value:Q")
    labels = base.mark_text(dy=-14).encode(x="value:Q", text=alt.Text("value:Q", format=fmt))
    return (bars + points + labels).properties(height=max(180, 70 * iv.height))


def posterior_chart(post: pl.DataFrame) -> alt.LayerChart:
    area = (
        alt.Chart(post)
        .mark_area(opacity=0.45, line=True)
        .encode(
            x=alt.X("relative_lift:Q", title="Relative lift", axis=alt.Axis(format="+.0%")),
            y=alt.Y("density:Q", title="Density", axis=alt.Axis(labels=False, ticks=False)),
            color=alt.Color("variant:N", title="Variant"),
            tooltip=[
                alt.Tooltip("variant:N"),
                alt.Tooltip("relative_lift:Q", format="+.1%"),
                alt.Tooltip("density:Q", format=".2f"),
            ],
        )
    )
    zero = alt.Chart(pl.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    return (area + zero).properties(height=260).interactive(bind_y=False)


def cumulative_chart(cum: pl.DataFrame) -> alt.LayerChart:
    base = alt.Chart(cum).encode(
        x=alt.X("date:T", title="Date"),
        color=alt.Color("variant:N", title="Variant"),
    )
    band = base.mark_area(opacity=0.2).encode(
        y=alt.Y("ci_low:Q", title="Cumulative relative lift", axis=alt.Axis(format="+.0%")),
        y2="ci_high:Q",
    )
    line = base.mark_line(point=True).encode(
        y="relative_lift:Q",
        tooltip=[
            alt.Tooltip("date:T"),
            alt.Tooltip("variant:N"),
            alt.Tooltip("units:Q", format=","),
            alt.Tooltip("relative_lift:Q", format="+.1%"),
            alt.Tooltip("ci_low:Q", format="+.1%"),
            alt.Tooltip("ci_high:Q", format="+.1%"),
        ],
    )
    zero = alt.Chart(pl.DataFrame({"y": [0.0]})).mark_rule(strokeDash=[4, 4]).encode(y="y:Q")
    return (band + line + zero).properties(height=280).interactive(bind_y=False)


def segments_chart(seg: pl.DataFrame) -> alt.LayerChart:
    base = alt.Chart(seg).encode(
        y=alt.Y("segment:N", title=None),
        color=alt.Color("variant:N", title="Variant"),
        yOffset="variant:N",
        tooltip=[
            alt.Tooltip("segment:N"),
            alt.Tooltip("variant:N"),
            alt.Tooltip("units:Q", format=","),
            alt.Tooltip("relative_lift:Q", format="+.1%"),
            alt.Tooltip("ci_low:Q", format="+.1%"),
            alt.Tooltip("ci_high:Q", format="+.1%"),
            alt.Tooltip("p_value:Q", format=".4f"),
        ],
    )
    rule = base.mark_rule(strokeWidth=3).encode(
        x=alt.X("ci_low:Q", title="Relative lift (CI)", axis=alt.Axis(format="+.0%")),
        x2="ci_high:Q",
    )
    point = base.mark_point(filled=True, size=110).encode(x="relative_lift:Q")
    zero = alt.Chart(pl.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    return (rule + point + zero).properties(height=max(140, 55 * seg["segment"].n_unique()))


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
    st.session_state.pop("experiment_upload", None)
    df = state.app_data().experiment
    st.caption("Showing the bundled sample: a retention offer tested on 2,000 customers.")
    return df, "experiment.csv", "sample"


def role_editor(df: pl.DataFrame, key: str) -> dict[str, str]:
    """Detected roles, editable. Returns overrides (empty string switches an optional role off)."""
    try:
        detected = from_frame(df, overrides=st.session_state.get(f"ab_over_{key}", {}))
    except InputError:
        detected = None
    over: dict[str, str] = {}
    with st.expander("Columns (detected automatically; change them if needed)", expanded=False):
        cols = df.columns
        if detected is not None and detected.aggregated:
            st.write(
                f"Aggregated file: variant **{detected.variant}**, units "
                f"**{detected.roles['units']}**, outcome **{detected.outcomes[0]}** "
                f"({detected.kinds[detected.outcomes[0]]})."
            )
            return {}
        roles = detected.roles if detected else {}
        c = st.columns(5)
        spec = [
            ("variant", "Variant", False),
            ("outcome", "Outcome", False),
            ("pre_period", "Pre-period covariate (CUPED)", True),
            ("segment", "Segment", True),
            ("date", "Date", True),
        ]
        for col, (role, label, optional) in zip(c, spec, strict=True):
            options = ([NONE] if optional else []) + cols
            current = roles.get(role, NONE if optional else cols[0])
            pick = col.selectbox(
                label, options, index=options.index(current), key=f"ab_role_{role}_{key}"
            )
            if pick != current:
                over[role] = "" if pick == NONE else pick
    if over:
        st.session_state[f"ab_over_{key}"] = st.session_state.get(f"ab_over_{key}", {}) | over
    return st.session_state.get(f"ab_over_{key}", {})


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
            ui.table_with_download(res.balance, "covariate_balance", key="ab_balance")


def verdict_section(res: Analysis) -> None:
    for r in res.variants:
        v = res.verdicts[r.variant]
        box = {"win": st.success, "loss": st.error, "untrusted": st.error}.get(v.outcome, st.info)
        box(f"**{v.headline}**\n\n{v.detail}\n\n**{v.recommendation}**")
        for note in v.notes:
            st.caption(note)
        fmt = ab.fmt_value
        ui.kpi_cards(
            [
                ui.Kpi(
                    res.control if res.control.lower() == "control" else f"{res.control} (control)",
                    fmt(r.control_value, res.kind),
                ),
                ui.Kpi(
                    r.variant,
                    fmt(r.value, res.kind),
                    delta=f"{r.relative.lift:+.1%} relative",
                ),
                ui.Kpi(
                    "p-value" + (" (adjusted)" if len(res.variants) > 1 else ""),
                    ab.fmt_p(r.p_adjusted if len(res.variants) > 1 else r.absolute.p_value),
                    help="Two-sided Welch t-test on the absolute difference.",
                ),
                ui.Kpi(
                    "Chance to win",
                    ab.fmt_prob(r.bayes.chance_to_win),
                    help="Bayesian: probability the variant's true lift is above 0.",
                ),
            ]
        )


def results_section(res: Analysis) -> None:
    st.subheader("Results per variant")
    table = results_table(res)
    ui.table_with_download(
        table, "ab_results", key="ab_results", width="stretch", column_config=_columns(res.kind)
    )
    small = [r for r in res.variants if r.small_counts and r.fisher_p is not None]
    for r in small:
        st.warning(
            f"Small counts in {r.variant}: Fisher's exact test gives p = {ab.fmt_p(r.fisher_p)} "
            "(more reliable here than the t-test)."
        )
    c1, c2 = st.columns(2)
    with c1:
        st.markdown(f"**{ab.metric_label(res.metric).capitalize()} per variant** (with CI)")
        iv = variant_intervals(res)
        st.altair_chart(rates_chart(iv, res.kind, res.metric), width="stretch")
        with st.expander("Chart data"):
            ui.table_with_download(iv, "ab_variant_values", key="ab_iv")
    with c2:
        st.markdown("**Where the true lift probably is** (Bayesian posterior)")
        post = lift_posterior(res)
        if post.height:
            st.altair_chart(posterior_chart(post), width="stretch")
        else:
            st.info("No posterior: the variance is zero.")
        with st.expander("Chart data"):
            ui.table_with_download(post, "ab_lift_posterior", key="ab_post")
    if res.cumulative is not None and res.cumulative.height:
        st.markdown("**Cumulative lift over time**")
        st.altair_chart(cumulative_chart(res.cumulative), width="stretch")
        with st.expander("Chart data"):
            ui.table_with_download(res.cumulative, "ab_cumulative_lift", key="ab_cum")


def cuped_section(res: Analysis) -> None:
    if res.cuped is None:
        return
    st.subheader("CUPED: adjusting for the pre-period")
    cu = res.cuped
    rows = []
    plain = {r.variant: r for r in (res.variants if not res.used_cuped else [])}
    st.write(
        f"Using **{cu.covariate}** (theta = {cu.theta:.4g}, from the pooled data) removes "
        f"**{cu.variance_reduction:.0%}** of the outcome's variance."
        + (" The result above is adjusted." if res.used_cuped else " Switch it on above to use it.")
    )
    for r in cu.variants:
        rows.append(
            {
                "variant": r.variant,
                "relative_lift_cuped": r.relative.lift,
                "ci_low_cuped": r.relative.ci_low,
                "ci_high_cuped": r.relative.ci_high,
                "p_value_cuped": r.absolute.p_value,
                "relative_lift_plain": plain[r.variant].relative.lift if plain else None,
                "p_value_plain": plain[r.variant].absolute.p_value if plain else None,
            }
        )
    ui.table_with_download(
        pl.DataFrame(rows), "ab_cuped", key="ab_cuped", column_config=_columns(res.kind)
    )


def segments_section(res: Analysis, segments: tuple[str, ...]) -> None:
    if res.segments is None or not segments:
        return
    st.subheader(f"Effect per {res.segment}")
    st.warning(
        f"{res.segments.height} comparisons: with many segments one will look significant by "
        "chance (at 5% about 1 in 20). Treat segment effects as ideas to confirm, not results.",
        icon=":material/warning:",
    )
    if res.segments.height:
        st.altair_chart(segments_chart(res.segments), width="stretch")
    ui.table_with_download(
        res.segments,
        "ab_segments",
        key="ab_segments",
        width="stretch",
        column_config=_columns(res.kind),
    )


def power_section(res: Analysis | None) -> None:
    st.subheader("Sample size and minimum detectable effect")
    kind = st.radio("Outcome", ["Rate (0/1)", "Average (number)"], horizontal=True, key="pw_kind")
    c1, c2, c3, c4 = st.columns(4)
    alpha = c3.selectbox("Significance level", [0.01, 0.05, 0.10], index=1, key="pw_alpha")
    power = c4.selectbox("Power", [0.8, 0.9], key="pw_power")
    try:
        if kind.startswith("Rate"):
            default = (
                res.stats[res.control].unadjusted_mean if res and res.kind == "proportion" else 0.1
            )
            base = c1.number_input(
                "Baseline rate (%)", 0.1, 99.9, round(100 * default, 1), 0.5, key="pw_base"
            )
            mde = c2.number_input(
                "Smallest lift worth finding (%, relative)", 1.0, 500.0, 10.0, key="pw_mde"
            )
            n = ab.sample_size_proportion(base / 100, mde / 100, alpha, power)
        else:
            base = c1.number_input("Baseline average", value=100.0, key="pw_mean")
            sd = c1.number_input("Standard deviation", value=50.0, min_value=0.01, key="pw_sd")
            mde = c2.number_input(
                "Smallest lift worth finding (%, relative)", 1.0, 500.0, 10.0, key="pw_mde_mean"
            )
            n = ab.sample_size_mean(sd, mde / 100, alpha, power, baseline=base)
    except ValueError as exc:
        st.error(f"Cannot compute the sample size: {exc}")
        return
    st.metric("Units needed per variant", f"{n:,}", border=True)
    st.caption(
        f"Two-sided test at {alpha:g}, {power:.0%} power: "
        f"n = (z₁₋α/₂ + z_power)² × variance / effect²."
    )
    if res is not None:
        rows = [
            {"variant": r.variant, "units": int(r.units), "mde_relative": r.mde_relative}
            for r in res.variants
        ]
        st.markdown("**This experiment** can reliably detect (80% power) a relative change of:")
        for r in rows:
            st.write(f"- {r['variant']}: about {r['mde_relative']:.0%} ({r['units']:,} units)")


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
    units = None
    if source.startswith("A segment"):
        table = data.customer_table()
        c1, c2 = st.columns(2)
        status = c1.multiselect(
            "Status",
            sorted(table["status"].unique().to_list()),
            default=["at_risk"],
            key="as_status",
            placeholder="All",
        )
        segs = c2.multiselect(
            "RFM segment",
            sorted(table["rfm_segment"].drop_nulls().unique().to_list()),
            key="as_rfm",
            placeholder="All",
        )
        sel = table
        if status:
            sel = sel.filter(pl.col("status").is_in(status))
        if segs:
            sel = sel.filter(pl.col("rfm_segment").is_in(segs))
        units = sel.select("customer_id", "status", "rfm_segment", "value_tier", "revenue")
    else:
        up = st.file_uploader(
            "Customer list (one id per row)", type=["csv", "xlsx", "parquet"], key="as_upload"
        )
        if up is not None:
            try:
                units = read_table(up.getvalue(), name=up.name)
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
    salt = st.text_input("Experiment name (hash salt)", "retention-offer", key="as_salt")
    variants = [v.strip() for v in names.split(",") if v.strip()]
    try:
        weights = _parse_split(split_text, len(variants))
        out = assign(
            units,
            variants,
            weights,
            salt=salt,
            unit=id_col,
            strata=None if strata == NONE else strata,
        )
    except InputError as exc:
        ui.show_error(exc, "Cannot assign")
        return
    summary = split_summary(out, None if strata == NONE else strata)
    st.dataframe(
        summary,
        hide_index=True,
        column_config={"share": st.column_config.NumberColumn(format="percent")},
    )
    ui.table_with_download(out.head(1000), "assignment_preview", key="as_preview")
    st.caption("The table shows the first 1,000 rows; the download buttons below hold all rows.")
    ui.download_buttons(out, "assignment", key="as_all")


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
        overrides = role_editor(df, key)
        try:
            exp, first = _analysis(
                key,
                name,
                tuple(sorted(overrides.items())),
                None,
                None,
                0.05,
                "holm",
                None,
                False,
                None,
                df,
            )
        except InputError as exc:
            ui.show_error(exc, "The experiment cannot be analysed")
            exp = None
        if exp is not None:
            c1, c2, c3, c4 = st.columns(4)
            metric = c1.selectbox("Outcome", exp.outcomes, key=f"ab_metric_{key}")
            control = c2.selectbox(
                "Control",
                exp.variants,
                index=exp.variants.index(first.control),
                key=f"ab_ctrl_{key}",
            )
            alpha = c3.selectbox("Significance level", [0.01, 0.05, 0.10], index=1, key="ab_alpha")
            split_text = c4.text_input(
                "Intended split",
                "/".join(["1"] * len(exp.variants)),
                key=f"ab_split_{key}",
                help="Shares per variant in the order " + ", ".join(exp.variants),
            )
            c5, c6, c7 = st.columns(3)
            correction = "holm"
            if len(exp.variants) > 2:
                picked = c5.radio(
                    "Correction for several variants",
                    list(CORRECTIONS),
                    horizontal=True,
                    key="ab_corr",
                )
                correction = CORRECTIONS[picked]
            cuped = False
            if exp.pre_period:
                cuped = c6.toggle(f"Adjust for {exp.pre_period} (CUPED)", key="ab_cuped")
            segment = None
            if exp.segments:
                segment = c7.selectbox("Break down by", exp.segments, key=f"ab_seg_{key}")
            try:
                weights = _parse_split(split_text, len(exp.variants))
                _, res = _analysis(
                    key,
                    name,
                    tuple(sorted(overrides.items())),
                    metric,
                    control,
                    alpha,
                    correction,
                    weights,
                    cuped,
                    segment,
                    df,
                )
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
                segments_section(res, exp.segments)

with tab_plan:
    power_section(res)

with tab_assign:
    assignment_section(data)
