"""Customer segments on the customer metrics table. This package's public API.

Every function takes the hub (one row per customer with recency_days, orders, revenue, aov,
status and attributes) and returns a polars frame or a small frozen dataclass; nothing here
loops over rows.

Modules, one idea each:
    rfm          RFM scores (ties explained) and the 11 named segments
    tiers        value tiers by revenue rank
    personas     rule-based personas
    loyalty      New / Returning / Loyal, orders distribution, time to the second order
    summary      figures per group of any grouping (segment contribution), top products
    attributes   breakdowns by customer attribute, inconsistent attributes
    comparison   two groups of an attribute compared with Welch's t-test
    drilldown    finding one customer, their profile, orders and history
    common       the column check and the missing-value label
"""

from core.model.attributes import numeric_bins
from core.model.status import with_status_labels  # the one status-label helper
from core.segments.attributes import (
    attribute_breakdown,
    attribute_columns,
    attribute_groups,
    inconsistent_attributes,
    inconsistent_count,
)
from core.segments.common import (
    MISSING,
)
from core.segments.comparison import (
    GroupComparison,
    compare_groups,
    describe_comparison,
    metric_columns,
    two_groups,
    two_valued_attributes,
)
from core.segments.drilldown import (
    customer_orders,
    customer_profile,
    customer_timeline,
    find_customers,
    match_labels,
    profile_attributes,
    profile_headline,
)
from core.segments.loyalty import (
    LOYALTY_ORDER,
    add_loyalty,
    loyalty_rule,
    orders_distribution,
    second_order_buckets,
    second_order_summary,
    time_to_second_order,
)
from core.segments.personas import (
    PERSONAS,
    PersonaRules,
    add_persona,
    persona_rules,
)
from core.segments.rfm import (
    SEGMENT_ORDER,
    SEGMENTS,
    SMALL_DATA_CUSTOMERS,
    add_rfm,
    map_and_thresholds,
    present_segments,
    relative_scores_note,
    rfm_thresholds,
    segment_cells,
    segment_grid,
    segment_map,
    segment_members,
)
from core.segments.summary import (
    item_column,
    segment_kpis,
    segment_products,
    segment_summary,
    top_items,
)
from core.segments.tiers import (
    DEFAULT_TIERS,
    add_value_tier,
    tier_edges,
    tier_table,
    tiers_from_table,
)

__all__ = [
    "DEFAULT_TIERS",
    "LOYALTY_ORDER",
    "MISSING",
    "PERSONAS",
    "SEGMENTS",
    "SEGMENT_ORDER",
    "SMALL_DATA_CUSTOMERS",
    "GroupComparison",
    "PersonaRules",
    "add_loyalty",
    "add_persona",
    "add_rfm",
    "add_value_tier",
    "attribute_breakdown",
    "attribute_columns",
    "attribute_groups",
    "compare_groups",
    "customer_orders",
    "customer_profile",
    "customer_timeline",
    "describe_comparison",
    "find_customers",
    "inconsistent_attributes",
    "inconsistent_count",
    "item_column",
    "loyalty_rule",
    "map_and_thresholds",
    "match_labels",
    "metric_columns",
    "numeric_bins",
    "orders_distribution",
    "persona_rules",
    "present_segments",
    "profile_attributes",
    "profile_headline",
    "relative_scores_note",
    "rfm_thresholds",
    "second_order_buckets",
    "second_order_summary",
    "segment_cells",
    "segment_grid",
    "segment_kpis",
    "segment_map",
    "segment_members",
    "segment_products",
    "segment_summary",
    "tier_edges",
    "tier_table",
    "tiers_from_table",
    "time_to_second_order",
    "top_items",
    "two_groups",
    "two_valued_attributes",
    "with_status_labels",
]
