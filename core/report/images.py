"""Charts as files: an Altair chart rendered to SVG or PNG with vl-convert, offline.

vl-convert bundles Vega, Vega-Lite and a JavaScript engine, so rendering needs no browser and no
network. A chart sized to its container ("container" width, autosize fit) has no width outside a
page; it is drawn `width` pixels wide instead.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Altair is imported when a chart is drawn, not with the command line
    import altair as alt

DEFAULT_WIDTH = 720
DEFAULT_HEIGHT = 320


def _vl_version() -> str:
    """The Vega-Lite version of Altair's schema, as vl-convert names it ("6.4" for v6.4.1)."""
    import altair as alt
    import vl_convert as vlc

    wanted = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    known = vlc.get_vegalite_versions()
    return wanted if wanted in known else known[-1]


def _sized(spec: Any, width: int, height: int) -> Any:
    """Replace "container" sizes (here and in nested views) by fixed pixels."""
    if isinstance(spec, dict):
        out = {k: _sized(v, width, height) for k, v in spec.items()}
        if out.get("width") == "container":
            out["width"] = width
        if out.get("height") == "container":
            out["height"] = height
        return out
    if isinstance(spec, list):
        return [_sized(v, width, height) for v in spec]
    return spec


def spec_dict(chart: alt.TopLevelMixin | dict) -> dict:
    """The chart's Vega-Lite spec with its data inline, whatever its row count (the app draws
    tables of any size; Altair's 5,000-row guard is for notebooks)."""
    if isinstance(chart, dict):
        return chart
    import altair as alt

    with alt.data_transformers.disable_max_rows():
        return chart.to_dict(validate=False)


def chart_spec(chart: alt.TopLevelMixin | dict, width: int = DEFAULT_WIDTH) -> dict:
    """The Vega-Lite spec of a chart with fixed sizes, ready for vl-convert."""
    spec = spec_dict(chart)
    spec = _sized(spec, width, DEFAULT_HEIGHT)
    top = spec.get("width")
    if top is None or top == "container":
        spec["width"] = width
    autosize = spec.get("autosize")
    if isinstance(autosize, dict) and autosize.get("type") == "fit-x":
        spec["autosize"] = {**autosize, "type": "fit"}
    return spec


def chart_svg(chart: alt.TopLevelMixin | dict, width: int = DEFAULT_WIDTH) -> str:
    """The chart as an SVG document (text), fonts named, no outside references."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(json.dumps(chart_spec(chart, width)), vl_version=_vl_version())


def chart_png(
    chart: alt.TopLevelMixin | dict, width: int = DEFAULT_WIDTH, scale: float = 2
) -> bytes:
    """The chart as a PNG image (`scale` 2: sharp on high-density screens and in print)."""
    import vl_convert as vlc

    spec = json.dumps(chart_spec(chart, width))
    return vlc.vegalite_to_png(spec, scale=scale, vl_version=_vl_version())


def inline_svg(chart: alt.TopLevelMixin | dict, width: int = DEFAULT_WIDTH) -> str:
    """The SVG for embedding in an HTML page: without its XML prologue, scaling to its box."""
    svg = chart_svg(chart, width)
    svg = svg[svg.find("<svg") :]
    return svg.replace("<svg ", '<svg role="img" preserveAspectRatio="xMinYMin meet" ', 1)
