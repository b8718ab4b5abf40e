"""CRM-ready customer lists: the churn list and the insights as one row per customer.

Columns (CRM_COLUMNS): customer_id, email (when the data has an e-mail: an attribute column named
like one, or customer ids that are e-mail addresses), action, reason, confidence, value_at_risk.
value_at_risk is SPEC's revenue at risk for one customer: the revenue of the 365 days before as_of
when the customer is at risk or churned, else 0. Written through core.export (formula-safe).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

CRM_COLUMNS = ("customer_id", "email", "action", "reason", "confidence", "value_at_risk")
_EMAIL_NAMES = ("email", "e_mail", "e-mail", "mail", "email_address", "emailaddress")
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def email_column(table: pl.DataFrame, mapping: Mapping[str, str] | None = None) -> str | None:
    """The column that holds each customer's e-mail in `table`, or None.

    An attribute named like an e-mail column (email, e_mail, E-Mail, "Email Address") wins; else
    customer_id when its source column was an e-mail column or its values are e-mail addresses."""
    for c in table.columns:
        if c != "customer_id" and c.lower().replace(" ", "_") in _EMAIL_NAMES:
            return c
    source = (mapping or {}).get("customer_id", "")
    if "mail" in source.lower():
        return "customer_id"
    ids = table["customer_id"].cast(pl.Utf8).drop_nulls().head(500) if table.height else None
    if ids is not None and ids.len() and (ids.str.contains(_EMAIL).mean() or 0.0) > 0.8:
        return "customer_id"
    return None


def _emails(hub: pl.DataFrame, mapping: Mapping[str, str] | None) -> pl.DataFrame:
    col = email_column(hub, mapping)
    email = pl.col(col).cast(pl.Utf8) if col else pl.lit(None, dtype=pl.Utf8)
    return hub.select(pl.col("customer_id"), email.alias("email"))


def _value_at_risk(hub: pl.DataFrame) -> pl.DataFrame:
    from core.rules import AT_RISK_STATUSES

    rev = pl.col("revenue_365d") if "revenue_365d" in hub.columns else pl.lit(0.0)
    at_risk = pl.col("status").is_in(AT_RISK_STATUSES) if "status" in hub.columns else pl.lit(False)
    return hub.select(
        "customer_id",
        pl.when(at_risk)
        .then(rev.fill_null(0.0))
        .otherwise(0.0)
        .cast(pl.Float64)
        .alias("value_at_risk"),
    )


def crm_from_insights(
    insights: pl.DataFrame, hub: pl.DataFrame, mapping: Mapping[str, str] | None = None
) -> pl.DataFrame:
    """The insights (core.rules.evaluate: one row per customer) as CRM_COLUMNS."""
    return (
        insights.select("customer_id", "action", "reason", "confidence")
        .join(_emails(hub, mapping), on="customer_id", how="left", maintain_order="left")
        .join(_value_at_risk(hub), on="customer_id", how="left", maintain_order="left")
        .with_columns(pl.col("value_at_risk").fill_null(0.0))
        .select(CRM_COLUMNS)
    )


def crm_from_churn_list(
    rows: pl.DataFrame,
    hub: pl.DataFrame,
    insights: pl.DataFrame | None = None,
    mapping: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """The churn list (core.churn.churn_list) as CRM_COLUMNS, in the list's order.

    reason: the churn list's ("no order for 134 days; ..."); action and confidence: the
    customer's insight when the rules give one, else the suggested action of the customer's RFM
    segment (core.segments.segment_map) with no confidence; value_at_risk: revenue_365d."""
    from core.segments import segment_map

    seg_action = segment_map().select("rfm_segment", pl.col("action").alias("_seg_action"))
    out = rows.select(
        "customer_id",
        "reason",
        pl.col("rfm_segment").cast(pl.Utf8),
        pl.col("revenue_365d").fill_null(0.0).cast(pl.Float64).alias("value_at_risk"),
    ).join(seg_action, on="rfm_segment", how="left", maintain_order="left")
    if insights is not None and insights.height:
        rule = insights.select(
            "customer_id", pl.col("action").alias("_action"), pl.col("confidence").alias("_conf")
        )
        out = out.join(rule, on="customer_id", how="left", maintain_order="left")
    else:
        out = out.with_columns(
            pl.lit(None, dtype=pl.Utf8).alias("_action"), pl.lit(None, dtype=pl.Utf8).alias("_conf")
        )
    return (
        out.join(_emails(hub, mapping), on="customer_id", how="left", maintain_order="left")
        .with_columns(
            pl.coalesce("_action", "_seg_action").alias("action"),
            pl.col("_conf").cast(pl.Utf8).alias("confidence"),
        )
        .select(CRM_COLUMNS)
    )
