"""Altair chart builders shared by the pages: bars, trends with partial periods, stacked bars,
waterfall, Pareto curve and heatmap.

Each builder is a pure function of a polars frame that returns an Altair chart (a layered chart
when it draws more than one mark). Tooltips on every mark; bar charts can carry a point selection
parameter (`select=`) on their category field so a page can filter itself on a click
(st.altair_chart(..., on_select="rerun") gives the selection back under the parameter's name).
No streamlit here.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import polars as pl

Chart = alt.Chart | alt.LayerChart

MONEY = ",.0f"
PCT = ".1%"
COUNT = ",d"
INCREASE, DECREASE, TOTAL = "#2e7d32", "#c62828", "#546e7a"
PARTIAL_LABEL = "partial period"


FIT_X = alt.AutoSizeParams(type="fit-x", contains="padding")


def fit(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Fit the chart to its container's width. Charts drawn in a tab that is not open when the
    page loads are otherwise squashed by the browser's zero width at render time."""
    return chart.properties(autosize=FIT_X)


PERIOD_LABEL = "period_label"
_LABEL_FORMATS = {"day": "%-d %b %Y", "week": "%-d %b %Y", "month": "%b %Y"}


def with_period_labels(df: pl.DataFrame, grain: str, column: str = "period") -> pl.DataFrame:
    """Add `period_label`, the period as people read it (Jan 2024, Q1 2024, 4 Mar 2024 for a day
    or the Monday of a week), for the ordinal axis of period_x."""
    p = pl.col(column)
    if grain == "quarter":
        label = pl.format("Q{} {}", p.dt.quarter(), p.dt.year())
    else:
        label = p.dt.strftime(_LABEL_FORMATS.get(grain, "%Y-%m-%d"))
    return df.with_columns(label.alias(PERIOD_LABEL))


def period_x(grain: str, count: int, field: str = PERIOD_LABEL) -> alt.X:
    """The x axis of bars per period: one band per period in time order, so every bar sits under
    its own label, none is cut at the edges and none thins to a hairline; labels that would
    overlap (daily grain, long ranges, a phone) are left out rather than drawn on each other."""
    return alt.X(
        f"{field}:O",
        sort=None,  # the frame's order: oldest first
        title=None,
        # a few bars stay bar-sized (outer padding) instead of filling the whole width
        scale=alt.Scale(
            paddingInner=0.3 if count < 8 else 0.15 if count <= 60 else 0.0,
            paddingOuter=1 if count < 8 else 0.1,
        ),
        axis=alt.Axis(
            labelAngle=0,
            labelOverlap="greedy",
            labelSeparation=4,
            labelLimit=90,
            ticks=count <= 60,
        ),
    )


def _tooltips(df: pl.DataFrame, fields: list[str | alt.Tooltip] | None) -> list[alt.Tooltip]:
    out = []
    for f in fields or []:
        if isinstance(f, alt.Tooltip):
            out.append(f)
            continue
        dtype = df.schema[f]
        if dtype.is_float():
            fmt = PCT if f in {"share", "growth", "yoy_growth", "return_rate", "margin"} else MONEY
            out.append(alt.Tooltip(f"{f}:Q", format=fmt))
        elif dtype.is_integer():
            plain = f in {"year", "month", "rank"}
            out.append(alt.Tooltip(f"{f}:Q", format="d" if plain else ","))
        elif dtype.is_temporal():
            out.append(alt.Tooltip(f"{f}:T"))
        else:
            out.append(alt.Tooltip(f"{f}:N"))
    return out


def selected_values(event: object, param: str, field: str) -> list[str]:
    """The values of `field` picked in a chart selection event (st.altair_chart on_select).

    Accepts the event object or a plain dict {"selection": {param: [{field: value}, ...]}}."""
    try:
        selection = event["selection"]  # type: ignore[index]
        picked = selection[param]
    except (KeyError, TypeError, AttributeError):
        return []
    if isinstance(picked, dict):  # interval selections: {field: [values]}
        values = picked.get(field, [])
        return [str(v) for v in values]
    return [str(p[field]) for p in picked if isinstance(p, dict) and field in p]


def bar(
    df: pl.DataFrame,
    category: str,
    value: str,
    *,
    title: str = "",
    tooltip: list[str | alt.Tooltip] | None = None,
    color: str | None = None,
    horizontal: bool = True,
    select: str | None = None,
    value_format: str = MONEY,
    value_title: str | None = None,
    category_title: str | None = None,
    sort_by_value: bool = True,
    height: int | None = None,
) -> alt.Chart:
    """Bars of `value` per `category`, largest first, with tooltips.

    `select` names a point selection parameter on `category`: clicked bars stay opaque, the others
    fade, and the page reads the clicked values back with selected_values()."""
    sort = ("-x" if horizontal else "-y") if sort_by_value else None
    cat = alt.Y if horizontal else alt.X
    val = alt.X if horizontal else alt.Y
    enc = {
        ("y" if horizontal else "x"): cat(
            f"{category}:N", sort=sort, title=category_title or category
        ),
        ("x" if horizontal else "y"): val(
            f"{value}:Q", title=value_title or value, axis=alt.Axis(format=value_format)
        ),
        "tooltip": _tooltips(df, tooltip or [category, value]),
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=color)
    chart = alt.Chart(df, title=title).mark_bar().encode(**enc)
    if select:
        param = alt.selection_point(name=select, fields=[category])
        chart = chart.add_params(param).encode(
            opacity=alt.condition(param, alt.value(1.0), alt.value(0.35))
        )
    # a step per bar: Streamlit fits a fixed height around the axes and would squash the bars
    return chart.properties(height=height or (alt.Step(22) if horizontal else 300))


def signed_bar(
    df: pl.DataFrame,
    x: str,
    y: str,
    *,
    title: str = "",
    tooltip: list[str | alt.Tooltip] | None = None,
    y_format: str = PCT,
    y_title: str | None = None,
    x_type: str = "N",
    x_axis: alt.X | None = None,
) -> alt.Chart:
    """Vertical bars coloured by sign (growth %, changes): green up, red down. `x_axis` replaces
    the default category axis (period_x for bars over time)."""
    data = df.with_columns(
        pl.when(pl.col(y) >= 0).then(pl.lit("up")).otherwise(pl.lit("down")).alias("direction")
    )
    return (
        alt.Chart(data, title=title)
        .mark_bar()
        .encode(
            x=x_axis
            or alt.X(
                f"{x}:{x_type}",
                title=None,
                sort=None,
                axis=alt.Axis(labelAngle=-40, labelLimit=120, labelOverlap=False),
            ),
            y=alt.Y(f"{y}:Q", axis=alt.Axis(format=y_format), title=y_title or y),
            color=alt.Color(
                "direction:N",
                scale=alt.Scale(domain=["up", "down"], range=[INCREASE, DECREASE]),
                legend=None,
            ),
            tooltip=_tooltips(data, tooltip or [x, y]),
        )
        .properties(height=320)
    )


def _month_axis(dates: pl.Series, fmt: str | None) -> alt.Axis:
    """A time axis labelled "%b %Y" once per month (or every 3 / 6 months on long ranges), so
    no label repeats; other formats keep Vega's own ticks."""
    if fmt != "%b %Y" or dates.len() == 0:
        return alt.Axis(format=fmt) if fmt else alt.Axis()
    lo, hi = dates.min(), dates.max()
    months = (hi.year - lo.year) * 12 + hi.month - lo.month + 1
    step = 1 if months <= 12 else 3 if months <= 36 else 6
    return alt.Axis(format=fmt, tickCount={"interval": "month", "step": step}, labelOverlap=True)


def trend(
    df: pl.DataFrame,
    x: str,
    y: str | list[str],
    *,
    partial: str | None = "partial",
    title: str = "",
    y_format: str = MONEY,
    y_title: str | None = None,
    x_format: str | None = None,
    tooltip: list[str | alt.Tooltip] | None = None,
) -> alt.LayerChart:
    """Line(s) over time with a point per period; partial periods drawn hollow and grey, with a
    legend entry "partial period". Several `y` columns become one coloured line each."""
    ys = [y] if isinstance(y, str) else list(y)
    has_partial = partial is not None and partial in df.columns
    flag = pl.col(partial) if has_partial else pl.lit(False)
    # the measured columns stay as they are (for tooltips); copies become series/value rows
    copies = {f"_y_{c}": c for c in ys}
    data = (
        df.with_columns(
            pl.when(flag)
            .then(pl.lit(PARTIAL_LABEL))
            .otherwise(pl.lit("complete"))
            .alias("period_kind"),
            *(pl.col(c).alias(k) for k, c in copies.items()),
        )
        .unpivot(
            index=[*df.columns, "period_kind"],
            on=list(copies),
            variable_name="series",
            value_name="value",
        )
        .with_columns(pl.col("series").replace_strict(copies))
    )
    tips = _tooltips(data, tooltip or [x])
    tips += [alt.Tooltip("series:N"), alt.Tooltip("value:Q", format=y_format)]
    if has_partial:
        tips.append(alt.Tooltip("period_kind:N", title="period"))
    base = alt.Chart(data, title=title).encode(
        x=alt.X(f"{x}:T", title=None, axis=_month_axis(df[x], x_format)),
        y=alt.Y(
            "value:Q",
            title=y_title or (ys[0] if len(ys) == 1 else ""),
            axis=alt.Axis(format=y_format),
        ),
        color=alt.Color(
            "series:N", title=None, legend=alt.Legend(orient="top") if len(ys) > 1 else None
        ),
        tooltip=tips,
    )
    line = base.mark_line()
    partial_point = alt.datum.period_kind == PARTIAL_LABEL
    points = base.mark_point(filled=True).encode(
        size=alt.condition(partial_point, alt.value(140), alt.value(50)),
        shape=alt.Shape(
            "period_kind:N",
            title=None,
            scale=alt.Scale(domain=["complete", PARTIAL_LABEL], range=["circle", "triangle"]),
            legend=alt.Legend(orient="top") if has_partial else None,
        ),
        opacity=alt.condition(partial_point, alt.value(0.55), alt.value(1.0)),
    )
    return alt.layer(line, points).properties(height=300)


def stacked_bars(
    df: pl.DataFrame,
    x: str,
    series: dict[str, str],
    *,
    title: str = "",
    y_format: str = MONEY,
    y_title: str = "",
    x_type: str = "T",
    time_unit: str | None = None,
    x_axis: alt.X | None = None,
    keep: Sequence[str] = (),
) -> alt.Chart:
    """Stacked bars of several columns (series = {column: legend label}) over `x`. `x_axis`
    replaces the default axis; `keep` names columns carried along (e.g. "partial", which draws
    those bars lighter)."""
    index = [x, *keep]
    data = (
        df.select(*index, *series)
        .unpivot(index=index, on=list(series), variable_name="series", value_name="value")
        .with_columns(pl.col("series").replace_strict(series))
    )
    x_enc = x_axis or (
        alt.X(f"{time_unit}({x}):T", title=None)
        if time_unit
        else alt.X(f"{x}:{x_type}", title=None)
    )
    return (
        alt.Chart(data, title=title)
        .mark_bar()
        .encode(
            x=x_enc,
            y=alt.Y("value:Q", stack="zero", title=y_title, axis=alt.Axis(format=y_format)),
            color=alt.Color(
                "series:N", title=None, sort=list(series.values()), legend=alt.Legend(orient="top")
            ),
            order=alt.Order("series:N"),
            opacity=(
                alt.condition("datum.partial", alt.value(0.45), alt.value(1.0))
                if "partial" in keep
                else alt.value(1.0)
            ),
            tooltip=[
                alt.Tooltip(f"{x}:{'O' if x_axis is not None else x_type}", title="period"),
                alt.Tooltip("series:N"),
                alt.Tooltip("value:Q", format=y_format),
                *([alt.Tooltip("partial:N", title="partial period")] if "partial" in keep else []),
            ],
        )
        .properties(height=300)
    )


def waterfall_data(steps: pl.DataFrame) -> pl.DataFrame:
    """step, amount, kind ("total" / "effect") -> + start, end, direction, order.

    Totals stand on zero; each effect starts where the previous bar ended."""
    first_total = steps["amount"][0] if steps.height else 0.0
    eff = pl.when(pl.col("kind") == "effect").then(pl.col("amount")).otherwise(0.0)
    return (
        steps.with_row_index("order")
        .with_columns((pl.lit(first_total) + eff.cum_sum()).alias("_cum"), eff.alias("_eff"))
        .with_columns(
            pl.when(pl.col("kind") == "total")
            .then(0.0)
            .otherwise(pl.col("_cum") - pl.col("_eff"))
            .alias("start"),
            pl.when(pl.col("kind") == "total")
            .then(pl.col("amount"))
            .otherwise(pl.col("_cum"))
            .alias("end"),
            pl.when(pl.col("kind") == "total")
            .then(pl.lit("total"))
            .when(pl.col("amount") >= 0)
            .then(pl.lit("increase"))
            .otherwise(pl.lit("decrease"))
            .alias("direction"),
        )
        .drop("_cum", "_eff")
    )


def waterfall(steps: pl.DataFrame, *, title: str = "", value_format: str = MONEY) -> alt.LayerChart:
    """Waterfall (bridge) of `steps` (step, amount, kind): totals grey on zero, effects floating,
    green up and red down, each bar labelled with its amount."""
    data = waterfall_data(steps)
    order = data["step"].to_list()
    base = alt.Chart(data, title=title).encode(
        x=alt.X(
            "step:N",
            sort=order,
            title=None,
            # long step names wrap at their first space ("Revenue" / "2026-03-31 to ...")
            axis=alt.Axis(
                labelAngle=0,
                labelLimit=200,
                labelExpr="length(datum.label) > 20 ? [slice(datum.label, 0, "
                "indexof(datum.label, ' ')), slice(datum.label, indexof(datum.label, ' ') + 1)]"
                " : datum.label",
            ),
        ),
    )
    bars = base.mark_bar(size=48).encode(
        y=alt.Y("start:Q", title="revenue", axis=alt.Axis(format=value_format)),
        y2="end:Q",
        color=alt.Color(
            "direction:N",
            scale=alt.Scale(
                domain=["total", "increase", "decrease"], range=[TOTAL, INCREASE, DECREASE]
            ),
            legend=alt.Legend(orient="top", title=None),
        ),
        tooltip=[
            alt.Tooltip("step:N"),
            alt.Tooltip("amount:Q", format=value_format),
            alt.Tooltip("start:Q", format=value_format),
            alt.Tooltip("end:Q", format=value_format),
        ],
    )
    labels = (
        base.mark_text(dy=-8, fontSize=12)
        .encode(y=alt.Y("top:Q"), text=alt.Text("text:N"))
        .transform_calculate(
            top="max(datum.start, datum.end)",
            text=f"(datum.kind == 'effect' && datum.amount >= 0 ? '+' : '') "
            f"+ format(datum.amount, '{value_format}')",
        )
    )
    return alt.layer(bars, labels).properties(height=320)


def pareto_curve(
    table: pl.DataFrame,
    *,
    title: str = "",
    entity: str = "customers",
    x: str = "cum_entity_share",
    y: str = "cum_share",
) -> alt.LayerChart:
    """Cumulative share of revenue (y) against cumulative share of entities (x), with the 80%
    line and the equal-share diagonal for reference."""
    keep = [c for c in ("rank", "key", "revenue", "share", x, y) if c in table.columns]
    data = table.select(keep)
    line = (
        alt.Chart(data, title=title)
        .mark_line(point=data.height <= 60)
        .encode(
            x=alt.X(
                f"{x}:Q", title=f"share of {entity} (largest first)", axis=alt.Axis(format="%")
            ),
            y=alt.Y(f"{y}:Q", title="cumulative share of revenue", axis=alt.Axis(format="%")),
            tooltip=_tooltips(data, keep),
        )
    )
    ref = pl.DataFrame({"p": [0.0, 1.0]})
    diagonal = alt.Chart(ref).mark_line(strokeDash=[4, 4], color="#9e9e9e").encode(x="p:Q", y="p:Q")
    eighty = (
        alt.Chart(pl.DataFrame({"y": [0.8]}))
        .mark_rule(strokeDash=[2, 2], color=DECREASE)
        .encode(y="y:Q", tooltip=[alt.Tooltip("y:Q", format="%", title="reference")])
    )
    return alt.layer(line, diagonal, eighty).properties(height=320)


def heatmap(
    df: pl.DataFrame,
    x: str,
    y: str,
    color: str,
    *,
    title: str = "",
    color_format: str = MONEY,
    x_sort: list | None = None,
    text: bool = True,
    tooltip: list[str | alt.Tooltip] | None = None,
) -> alt.LayerChart | alt.Chart:
    """A grid of `color` by x and y (e.g. revenue by month-of-year and year), values printed."""
    base = alt.Chart(df, title=title).encode(
        x=alt.X(f"{x}:O", sort=x_sort, title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y(f"{y}:O", title=None),
    )
    rect = base.mark_rect().encode(
        color=alt.Color(f"{color}:Q", title=color, legend=alt.Legend(format=color_format)),
        tooltip=_tooltips(df, tooltip or [x, y, color]),
    )
    if not text:
        return rect.properties(height=alt.Step(34))
    lo, hi = float(df[color].min() or 0), float(df[color].max() or 0)
    dark = lo + (hi - lo) * 0.6  # print white on the darker cells (the scale spans lo..hi)
    labels = base.mark_text(fontSize=11).encode(
        text=alt.Text(f"{color}:Q", format=color_format),
        color=alt.condition(f"datum['{color}'] > {dark}", alt.value("white"), alt.value("black")),
    )
    return alt.layer(rect, labels).properties(height=alt.Step(34))
