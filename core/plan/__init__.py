"""The action plan: what each action is worth, backed by an experiment, with a holdout to keep
measuring it. Value at stake (value.py), uplift and its source (uplift.py), costs and return
(returns.py), who responds (responders.py), the holdout (holdout.py), all put together in
build.py; present.py words it for the page, record.py keeps a plan in the workspace.
Pure functions over small frozen dataclasses; no streamlit.
"""

from __future__ import annotations

from core.plan.build import (
    EXPORT_COLUMNS,
    NO_ACTION,
    Plan,
    best_actions,
    build_plan,
    compare_assignments,
    export_rows,
    resolve_rule,
    to_json,
)
from core.plan.holdout import (
    DEFAULT_HOLDOUT,
    DEFAULT_WITHIN_DAYS,
    HELD_OUT,
    TREATED,
    check_share,
    comparable,
    holdout_flags,
    holdout_key,
    outcome_experiment,
)
from core.plan.present import ranked_view, totals, uplift_text
from core.plan.responders import Narrowing, matched_units, narrowings, segment_lifts
from core.plan.returns import Costs, action_table, customer_gains, parameters
from core.plan.uplift import (
    ASSUMPTION,
    DEFAULT_ASSUMED_UPLIFT,
    EXPERIMENT,
    ExperimentLink,
    Uplift,
    added_chance,
    assumed,
    from_analysis,
    measure,
)
from core.plan.value import (
    DEFAULT_HORIZON_DAYS,
    FALLBACK,
    MODEL,
    CustomerValue,
    chance_to_buy,
    customer_value,
    model_check,
    status_rates,
)

FORMULA = (
    "Expected incremental revenue of an action = sum over its customers of "
    "(baseline chance of buying again × uplift, capped so the chance with the action is at most "
    "1) × expected revenue if they buy. Expected revenue if they buy = expected revenue over the "
    "horizon (BG/NBD × Gamma-Gamma) / chance of buying again; the interval comes from the "
    "experiment's interval for the relative lift. Net gain = incremental revenue − cost per "
    "contact × customers − offer cost; ROI = net gain / cost."
)

__all__ = [
    "ASSUMPTION",
    "DEFAULT_ASSUMED_UPLIFT",
    "DEFAULT_HOLDOUT",
    "DEFAULT_HORIZON_DAYS",
    "DEFAULT_WITHIN_DAYS",
    "EXPERIMENT",
    "EXPORT_COLUMNS",
    "FALLBACK",
    "FORMULA",
    "HELD_OUT",
    "MODEL",
    "NO_ACTION",
    "TREATED",
    "Costs",
    "CustomerValue",
    "ExperimentLink",
    "Narrowing",
    "Plan",
    "Uplift",
    "action_table",
    "added_chance",
    "assumed",
    "best_actions",
    "build_plan",
    "chance_to_buy",
    "check_share",
    "comparable",
    "compare_assignments",
    "customer_gains",
    "customer_value",
    "export_rows",
    "from_analysis",
    "holdout_flags",
    "holdout_key",
    "matched_units",
    "measure",
    "model_check",
    "narrowings",
    "outcome_experiment",
    "parameters",
    "ranked_view",
    "resolve_rule",
    "segment_lifts",
    "status_rates",
    "to_json",
    "totals",
    "uplift_text",
]
