"""The metric definitions, worded for users (SPEC's 'Metric definitions'; one place).

The headline KPIs carry their own definitions in the KPI registry (core.metrics.registry); this
module adds the other terms and merges both into GLOSSARY, section by section (KPIs first).
"""

from __future__ import annotations

from core.metrics.registry import glossary_entries

_TERMS: dict[str, list[tuple[str, str]]] = {
    "Sales": [
        (
            "Monthly growth",
            "(revenue this month − last month) / last month. The first and last "
            "months are flagged when the data covers them only in part.",
        ),
        ("Return rate", "Revenue of returned lines / revenue."),
        (
            "Returns and cancellations",
            "A line with a negative amount or quantity, an order id that is a cancellation "
            "invoice (a C before the usual invoice number, as in UCI-style exports), or a "
            "cancelled / returned / refunded status with no positive amount takes money back: "
            "it is not an order and not revenue, and net revenue subtracts it. A purchase whose "
            "status says it was returned later stays in revenue and leaves net revenue.",
        ),
        (
            "Rows set aside",
            "Lines no figure uses, each with its reason: no customer id, an unreadable or "
            "implausible order date (before 1950 or more than a year ahead), an amount that is "
            "not a number (NaN, infinite), an amount in another currency without a rate.",
        ),
        (
            "Profit, margin",
            "Profit = revenue − cost over the order lines that have a cost (a line without a "
            "cost is left out, never counted as pure profit); margin = profit / revenue of those "
            "lines. Sales and the customer table use this one definition.",
        ),
        (
            "HHI",
            "Herfindahl-Hirschman index of revenue concentration: the sum of each customer's "
            "(or product's) squared share of revenue. Near 0 when revenue is spread over many, "
            "1 when one customer brings it all; 0.15-0.25 is moderate concentration, above "
            "0.25 high.",
        ),
        (
            "LMDI",
            "Log-mean Divisia index: the method that splits a change of revenue into the "
            "customers, orders-per-customer and order-value effects so that the three add up "
            "exactly to the change. When a period has a zero, the effects are taken one after "
            "another instead (sequential).",
        ),
    ],
    "Customers": [
        ("Recency", "Days from the last order to the as-of date."),
        ("Tenure", "Days from the first order to the as-of date."),
        (
            "RFM",
            "Recency, frequency (orders) and monetary (revenue) scores 1-5 by quintile; "
            "recency is reversed so 5 is the most recent. Equal values get equal scores. "
            "The R-F-M code maps to 11 named segments (Champions ... Lost).",
        ),
        ("Value tier", "Revenue percentile tiers: top 5%, next 15%, middle 30%, bottom 50%."),
        (
            "Loyalty (repeat behaviour)",
            "New, Returning or Frequent by number of orders only (cut-offs set on the Customers "
            "page, 2 and 4 by default). Not the RFM segment Loyal, which also weighs recency "
            "and revenue.",
        ),
        (
            "Attribute",
            "A column that describes a customer (age, gender, region, subscription, favourite "
            "category), not one the app computes. A customer's value is their most frequent one.",
        ),
        (
            "Numeric attribute groups",
            "The same on every page: up to 6 distinct values are shown as they are; otherwise "
            "quartiles of the customers' values, labelled by range (e.g. 20-30, 31-40).",
        ),
    ],
    "Churn and retention": [
        (
            "Period retention",
            "Of the customers who ordered in a month (or quarter), the share who "
            "ordered again in the next one; period churn = 1 − retention.",
        ),
        (
            "P(alive)",
            "BG/NBD model: the probability that the customer is still buying. A one-time "
            "buyer has P(alive) = 1 in this model: the model only learns that a customer may have "
            "left from repeat purchases followed by silence. Left empty when the fit cannot be "
            "trusted (no convergence, or P(alive) near 100% even for long-silent customers): "
            "use the status instead.",
        ),
        (
            "Expected CLV (365 days)",
            "Expected purchases in the next 365 days (BG/NBD) x expected "
            "spend per purchase (Gamma-Gamma), fitted by maximum likelihood on the customer "
            "summary (frequency = repeat purchase days, recency, T, monetary value).",
        ),
    ],
    "Action plan": [
        (
            "Chance of buying again",
            "BG/NBD: the probability that the customer orders at least once in the horizon "
            "(default 365 days) without any action: "
            "P(alive) × (1 − ((α + T) / (α + T + t))^(r + x)).",
        ),
        (
            "Value at stake",
            "Expected revenue over the horizon: expected purchases (BG/NBD) × expected spend "
            "per purchase (Gamma-Gamma). Where the model cannot be trusted, from the status: of "
            "the customers with the same status one horizon earlier, the share who ordered "
            "again and what they spent.",
        ),
        (
            "Uplift",
            "The relative change an action makes to the chance of buying again: measured (a "
            "linked experiment's relative lift, with its interval) or an assumption you enter, "
            "labelled as such.",
        ),
        (
            "Expected incremental revenue",
            "Sum over the action's customers of (baseline chance of buying again × uplift, capped "
            "so the chance with the action is at most 1) × expected revenue if they buy (value at "
            "stake / chance of buying again). The interval comes from the experiment's interval.",
        ),
        (
            "Net gain, ROI",
            "Net gain = expected incremental revenue − cost (cost per contact × customers + "
            "the offer's share of the orders it is used on). ROI = net gain / cost.",
        ),
        (
            "Holdout",
            "A random, reproducible share of each action's customers (default 10%) who are not "
            "contacted, so the action's effect can be measured later against them.",
        ),
    ],
    "Experiments": [
        (
            "Lift",
            "Relative: (variant − control) / |control|, the scale every decision is read on. "
            "Absolute: variant − control, shown beside it.",
        ),
        (
            "p-value",
            "Two-sided Welch t-test on the relative lift (delta method, as GrowthBook); small "
            "means the difference is unlikely by chance. Corrected (Holm by default) when several "
            "variants or segments are compared.",
        ),
        (
            "Metric direction",
            "Whether lower is better (churn, returns, cancellations, bounces, cost, time: "
            "guessed from the metric's name, and you can flip it). Outcome, chance to win, risk, "
            "texts and colours follow it.",
        ),
        (
            "Chance to win",
            "Bayesian probability that the variant is better than control in the metric's "
            "direction.",
        ),
        ("Risk", "Expected loss if you pick this variant and it is in fact worse."),
        (
            "SRM",
            "Sample ratio mismatch: the split differs from the intended one (p < 0.001); "
            "results are then not trustworthy.",
        ),
        (
            "CUPED",
            "Variance reduction using a pre-period covariate, its coefficient fitted per "
            "control-variant pair (as GrowthBook).",
        ),
        (
            "Theta",
            "The CUPED coefficient: how much of the pre-period value is taken off each unit's "
            "outcome (outcome − theta × pre-period). Fitted so the adjusted outcome varies least.",
        ),
        (
            "SMD",
            "Standardised mean difference: the gap between two variants' averages of a "
            "pre-period covariate, in standard deviations. Above 0.1 (either way) the variants "
            "were not alike before the test.",
        ),
        (
            "Holm / Benjamini-Hochberg correction",
            "With several variants or segments, some look significant by chance. Holm raises "
            "each p-value so the chance of any false win stays at the significance level; "
            "Benjamini-Hochberg is milder and controls the share of false wins among the wins.",
        ),
        (
            "Delta method",
            "The approximation that gives the uncertainty of the relative lift (a ratio of two "
            "averages) from the uncertainty of each average, so the relative lift can be tested.",
        ),
    ],
}


def _merged() -> dict[str, list[tuple[str, str]]]:
    out = {}
    for group, terms in _TERMS.items():
        entries = sorted(glossary_entries(group), key=lambda k: k.kind != "date")  # as of first
        kpis = [(k.term or k.label, k.glossary or "") for k in entries]
        out[group] = kpis + terms
    return out


# section -> [(term, definition)]; definitions may hold {churn_days} and {at_risk_days}
GLOSSARY: dict[str, list[tuple[str, str]]] = _merged()


def define(term: str) -> str:
    """The glossary's definition of `term` (any section); KeyError when it has none."""
    for items in GLOSSARY.values():
        for name, definition in items:
            if name == term:
                return definition
    raise KeyError(term)
