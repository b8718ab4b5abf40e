"""core.charts.rules: each chart of the Insight rules page builds a valid Vega-Lite spec with
the expected marks, fields and tooltips."""

from __future__ import annotations

import polars as pl

from core import charts
from core.charts import rules as RC
from core.rules import Rule, evaluate, sensitivity, summary_by_action

TABLE = pl.DataFrame(
    {
        "customer_id": ["A", "B", "C", "D"],
        "orders": [1, 2, 8, 5],
        "revenue": [50.0, 300.0, 4000.0, 2500.0],
        "recency_days": [200, 190, 10, 120],
        "status": ["churned", "churned", "active", "churned"],
    }
)
LONG_ACTION = "Enrol in VIP programme: early access and thank-you perks, no discount needed"
RULES = [
    Rule("Winback", "recency_days >= 180", "Send a reactivation offer", priority=50),
    Rule("Big", "revenue >= 2500", LONG_ACTION, priority=80),
    Rule("Off", "orders >= 1", "Nothing", priority=99, enabled=False),
]
EV = evaluate(TABLE, RULES)


def tooltip_fields(layer: dict) -> list[str]:
    return [t["field"] for t in layer["encoding"]["tooltip"]]


def test_rules_chart_grouped_bars_by_priority() -> None:
    d = RC.rules_chart(EV.stats).to_dict()
    enc = d["encoding"]
    assert d["mark"]["type"] == "bar"
    assert enc["y"]["field"] == "rule" and enc["y"]["sort"] == ["Big", "Winback"]
    assert enc["yOffset"]["field"] == "measure" and enc["x"]["field"] == "customers"
    assert enc["color"]["scale"]["domain"] == ["matched", "assigned (wins)"]
    assert tooltip_fields(d) == ["rule", "measure", "customers", "share", "revenue", "priority"]
    # two working rules, two bars each (the switched-off rule is left out)
    assert len(d["datasets"][d["data"]["name"]]) == 4


def test_overlap_chart_grid_with_printed_counts() -> None:
    three = [*RULES[:2], Rule("Few orders", "orders <= 2", "Nudge", priority=10)]
    ev = evaluate(TABLE, three)
    d = RC.overlap_chart(ev.overlaps, ["Big", "Winback", "Few orders"]).to_dict()
    rect, text = d["layer"]
    assert rect["mark"]["type"] == "rect" and text["mark"]["type"] == "text"
    enc = rect["encoding"]
    assert enc["x"]["field"] == "other" and enc["y"]["field"] == "rule"
    assert enc["y"]["sort"] == ["Big", "Winback", "Few orders"]
    assert enc["color"]["field"] == "customers"
    assert tooltip_fields(rect) == ["rule", "other", "customers"]
    # Winback (A, B) and Few orders (A, B: 1 and 2 orders) share 2 customers: the largest
    # count, so the white-text cut is 0.6 * 2 = 1.2, printed rounded as 1
    assert text["encoding"]["color"]["condition"]["test"] == "datum.customers > 1"


def test_sensitivity_chart_line_and_current_value() -> None:
    curve = sensitivity(TABLE, RULES[0], 0, points=5)
    d = RC.sensitivity_chart(curve, "revenue", title="Revenue matched", label="x").to_dict()
    line, now = d["layer"]
    assert line["mark"]["type"] == "line" and line["encoding"]["y"]["field"] == "revenue"
    assert line["encoding"]["x"]["title"] == "x"
    assert tooltip_fields(line) == ["value", "customers", "revenue"]
    assert now["mark"]["type"] == "rule" and now["encoding"]["x"]["field"] == "value"
    # the red rule stands on the current threshold only: 180
    assert [r["value"] for r in d["datasets"][now["data"]["name"]]] == [180.0]


def test_action_chart_wraps_long_labels() -> None:
    summary = summary_by_action(EV.insights)
    chart = charts.fit(RC.action_chart(summary))
    d = chart.to_dict()
    enc = d["encoding"]
    assert d["mark"]["type"] == "bar" and d["autosize"]["type"] == "fit-x"
    assert enc["y"]["field"] == "action" and enc["y"]["sort"] == "-x"
    assert enc["x"]["field"] == "revenue"
    assert tooltip_fields(d) == ["action", "customers", "revenue", "rules"]
    # long actions break into lines instead of being cut with an ellipsis
    assert "split(" in enc["y"]["axis"]["labelExpr"]
    assert enc["y"]["axis"]["labelLimit"] >= 260
