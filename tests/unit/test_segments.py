"""core.segments: RFM scores and segments worked out by hand (ties included), value tiers at the
exact percentile edges, personas, loyalty, repeat behaviour, attribute breakdowns, the group
comparison against scipy, and the drill-down helpers."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import polars as pl
import pytest
from scipy import stats

from core import segments as sg
from core.errors import InputError

# Ten customers. Score = 1 + floor(5 * worse / 10), worse = customers with a strictly worse value.
HAND = pl.DataFrame(
    {
        "customer_id": [f"c{i}" for i in range(10)],
        "recency_days": [5, 10, 10, 40, 60, 90, 120, 200, 300, 400],
        "orders": [8, 1, 1, 1, 2, 2, 3, 5, 1, 1],
        "revenue": [900.0, 50, 60, 70, 80, 80, 300, 500, 20, 10],
    }
).with_columns((pl.col("revenue") / pl.col("orders")).alias("aov"))


def test_rfm_scores_by_hand_with_ties():
    out = sg.add_rfm(HAND)
    # R (more days = worse): c0 has 9 customers with more days -> 1 + 45 // 10 = 5;
    # c1, c2 tie at 10 days, 7 have more -> 1 + 35 // 10 = 4 (both); c3: 6 -> 4; c4: 5 -> 3;
    # c5: 4 -> 3; c6: 3 -> 2; c7: 2 -> 2; c8: 1 -> 1; c9: 0 -> 1.
    assert out["r_score"].to_list() == [5, 4, 4, 4, 3, 3, 2, 2, 1, 1]
    # F: the five one-order customers have 0 below -> 1; two orders (c4, c5): 5 below ->
    # 1 + 25 // 10 = 3; three orders: 7 below -> 4; five: 8 -> 5; eight: 9 -> 5.
    assert out["f_score"].to_list() == [5, 1, 1, 1, 3, 3, 4, 5, 1, 1]
    # M sorted 10, 20, 50, 60, 70, 80, 80, 300, 500, 900 -> below 0..9 with the 80s tied at 5:
    # 1, 1, 2, 2, 3, 3, 3, 4, 5, 5.
    assert out["m_score"].to_list() == [5, 2, 2, 3, 3, 3, 4, 5, 1, 1]
    assert out["rfm_code"].to_list() == [
        "555", "412", "412", "413", "333", "333", "244", "255", "111", "111"
    ]  # fmt: skip
    assert out.schema["r_score"] == pl.Int8
    # FM = (F + M + 1) // 2: c1 (1+2+1)//2 = 2 -> R4 FM2 Potential Loyalist; c3 (1+3+1)//2 = 2;
    # c4 R3 FM3 Need Attention; c6 R2 FM4 At Risk; c7 R2 FM5 Cannot Lose Them; c8 R1 FM1 Lost.
    assert out["rfm_segment"].to_list() == [
        "Champions",
        "Potential Loyalist",
        "Potential Loyalist",
        "Potential Loyalist",
        "Need Attention",
        "Need Attention",
        "At Risk",
        "Cannot Lose Them",
        "Lost",
        "Lost",
    ]


def _five(scores: list[tuple[int, int, int]]) -> pl.DataFrame:
    """Five customers with distinct values, so with 5 bins each score equals the rank:
    recency (5 - R) * 10 days, F orders, M * 100 revenue."""
    return pl.DataFrame(
        {
            "customer_id": [f"x{i}" for i in range(5)],
            "recency_days": [(5 - r) * 10 for r, _, _ in scores],
            "orders": [f for _, f, _ in scores],
            "revenue": [m * 100.0 for _, _, m in scores],
        }
    )


@pytest.mark.parametrize(
    "scores, expected",
    [
        # FM = (F + M + 1) // 2 -> 1, 2, 3, 4, 5
        (
            [(5, 1, 1), (4, 2, 2), (3, 3, 3), (2, 4, 4), (1, 5, 5)],
            [
                "New Customers",
                "Potential Loyalist",
                "Need Attention",
                "At Risk",
                "Cannot Lose Them",
            ],
        ),
        (
            [(5, 5, 5), (4, 4, 4), (3, 1, 1), (2, 2, 2), (1, 3, 3)],
            ["Champions", "Loyal", "About To Sleep", "Hibernating", "At Risk"],
        ),
        # (3,5,4): FM (5+4+1)//2 = 5 -> Loyal; (2,3,5): FM 4 -> At Risk; (5,4,3): FM 4 -> Champions
        (
            [(4, 1, 1), (1, 2, 2), (3, 5, 4), (2, 3, 5), (5, 4, 3)],
            ["Promising", "Hibernating", "Loyal", "At Risk", "Champions"],
        ),
    ],
)
def test_segment_map_cells(scores, expected):
    out = sg.add_rfm(_five(scores))
    assert list(zip(out["r_score"], out["f_score"], out["m_score"], strict=True)) == scores
    assert out["rfm_segment"].to_list() == expected


def test_segment_grid_covers_all_cells_and_all_eleven_segments():
    grid = sg.segment_grid()
    assert grid.height == 25
    assert set(grid["rfm_segment"]) == set(sg.SEGMENTS) and len(sg.SEGMENTS) == 11
    assert all(desc and action for desc, action in sg.SEGMENTS.values())
    assert sg.segment_map()["rfm_segment"].to_list() == list(sg.SEGMENTS)


def test_three_bins_rescaled_to_the_five_point_map():
    out = sg.add_rfm(HAND, bins=3)
    # score = 1 + floor(3 * worse / 10). R: worse 9,7,7,6,5,4,3,2,1,0 -> 3,3,3,2,2,2,1,1,1,1.
    assert out["r_score"].to_list() == [3, 3, 3, 2, 2, 2, 1, 1, 1, 1]
    # F: worse 9,0,0,0,5,5,7,8,0,0 -> 3,1,1,1,2,2,3,3,1,1.
    assert out["f_score"].to_list() == [3, 1, 1, 1, 2, 2, 3, 3, 1, 1]
    # M: worse 9,2,3,4,5,5,7,8,1,0 -> 3,1,1,2,2,2,3,3,1,1.
    assert out["m_score"].to_list() == [3, 1, 1, 2, 2, 2, 3, 3, 1, 1]
    # On the 1-5 scale 1 -> 1, 2 -> 3, 3 -> 5. c1: R5 F1 M1 -> New Customers; c3: R3, FM
    # (1+3+1)//2 = 2 -> About To Sleep; c4: R3 FM3 -> Need Attention; c6: R1 FM5 -> Cannot Lose.
    seg = dict(zip(out["customer_id"], out["rfm_segment"], strict=True))
    assert seg["c0"] == "Champions"
    assert seg["c1"] == "New Customers"
    assert seg["c3"] == "About To Sleep"
    assert seg["c4"] == "Need Attention"
    assert seg["c6"] == "Cannot Lose Them"
    assert seg["c9"] == "Lost"


def test_a_big_tie_shares_the_lowest_score_and_leaves_scores_empty():
    t = pl.DataFrame(
        {
            "recency_days": list(range(10)),
            "orders": [1, 1, 1, 1, 1, 1, 2, 2, 3, 4],
            "revenue": [float(i) for i in range(10)],
        }
    )
    out = sg.add_rfm(t)
    # six one-order customers: 0 below -> F 1; two orders: 6 below -> 1 + 30 // 10 = 4;
    # three: 8 -> 5; four: 9 -> 5. No customer gets F 2 or 3.
    assert out["f_score"].to_list() == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]
    th = sg.rfm_thresholds(t).filter(pl.col("metric") == "Frequency")
    assert th["score"].to_list() == [5, 4, 3, 2, 1]
    assert th["customers"].to_list() == [2, 2, 0, 0, 6]
    assert th["low"].to_list() == [3.0, 2.0, None, None, 1.0]
    assert th["high"].to_list() == [4.0, 2.0, None, None, 1.0]


def test_rfm_thresholds_are_the_value_ranges_of_each_score():
    th = sg.rfm_thresholds(HAND)
    rec = th.filter(pl.col("metric") == "Recency")
    # R 5: c0 (5 days); R 4: c1-c3 (10..40); R 3: 60..90; R 2: 120..200; R 1: 300..400
    assert rec.select("score", "low", "high", "customers").rows() == [
        (5, 5.0, 5.0, 1),
        (4, 10.0, 40.0, 3),
        (3, 60.0, 90.0, 2),
        (2, 120.0, 200.0, 2),
        (1, 300.0, 400.0, 2),
    ]


def test_nulls_get_null_scores_and_do_not_count():
    t = pl.DataFrame(
        {"recency_days": [1, 2, None], "orders": [1, 2, None], "revenue": [1.0, 2.0, None]}
    )
    out = sg.add_rfm(t, bins=3)
    # n = 2 non-null: worse 1 -> 1 + 3 // 2 = 2; worse 0 -> 1
    assert out["f_score"].to_list() == [1, 2, None]
    assert out["r_score"].to_list() == [2, 1, None]
    assert out["rfm_segment"][2] is None


@pytest.mark.parametrize("bins", [2, 6, 4.0, True])
def test_bins_out_of_range(bins):
    with pytest.raises(InputError, match="bins"):
        sg.add_rfm(HAND, bins=bins)


def test_missing_column_names_it():
    with pytest.raises(InputError, match="recency_days"):
        sg.add_rfm(HAND.drop("recency_days"))


# --------------------------------------------------------------------------- value tiers
def _revenue(values) -> pl.DataFrame:
    return pl.DataFrame({"revenue": [float(v) for v in values]})


def test_tiers_at_exact_edges_20_customers():
    # n = 20: Top 5% = better < 1 (revenue 20); Next 15% = better < 0.20 * 20 = 4 (19, 18, 17);
    # Middle 30% = better < 10 (16..11); Bottom 50% = the other 10.
    out = sg.add_value_tier(_revenue(range(1, 21)))
    tier = dict(zip(out["revenue"], out["value_tier"], strict=True))
    assert tier[20.0] == "Top 5%"
    assert [tier[v] for v in (19.0, 18.0, 17.0)] == ["Next 15%"] * 3
    assert tier[16.0] == "Middle 30%" and tier[11.0] == "Middle 30%"
    assert tier[10.0] == "Bottom 50%"
    counts = out["value_tier"].value_counts().sort("value_tier")
    assert dict(counts.rows()) == {"Top 5%": 1, "Next 15%": 3, "Middle 30%": 6, "Bottom 50%": 10}


def test_tiers_100_customers_and_edge_customer_goes_down():
    out = sg.add_value_tier(_revenue(range(100)))
    counts = dict(out["value_tier"].value_counts().rows())
    assert counts == {"Top 5%": 5, "Next 15%": 15, "Middle 30%": 30, "Bottom 50%": 50}
    # the 6th best (revenue 94, 5 better) sits exactly on the 5% edge -> Next 15%
    assert out.filter(pl.col("revenue") == 94)["value_tier"].item() == "Next 15%"
    assert out.filter(pl.col("revenue") == 95)["value_tier"].item() == "Top 5%"


def test_tied_revenue_shares_the_better_tier():
    # n = 20, two customers tie at the top: both have 0 better -> both Top 5% (2 of 20);
    # revenue 90 has 2 better -> Next 15% (2 < 4).
    out = sg.add_value_tier(_revenue([100, 100, 90, *range(17)]))
    assert out["value_tier"][:3].to_list() == ["Top 5%", "Top 5%", "Next 15%"]


def test_custom_tiers_and_edges_table():
    t = _revenue(range(1, 21))
    tiers = (("Top 10%", 0.1), ("Rest", 0.9))
    out = sg.add_value_tier(t, tiers)
    assert dict(out["value_tier"].value_counts().rows()) == {"Top 10%": 2, "Rest": 18}
    edges = sg.tier_edges(t, tiers)
    assert edges.rows() == [("Top 10%", 0.1, 2, 19.0, 20.0), ("Rest", 0.9, 18, 1.0, 18.0)]


@pytest.mark.parametrize(
    "tiers",
    [(("a", 0.5), ("b", 0.4)), (("a", 0.5), ("a", 0.5)), (("a", 1.2), ("b", -0.2)), ()],
)
def test_bad_tiers(tiers):
    with pytest.raises(InputError):
        sg.add_value_tier(_revenue([1, 2]), tiers)


# --------------------------------------------------------------------------- personas, loyalty
def test_personas_by_hand():
    revenue = [1000.0, 800, 300, 250, 200, 150, 100, 80, 50, 20]
    orders = [2, 10, 1, 5, 2, 3, 1, 1, 1, 1]
    t = pl.DataFrame(
        {
            "revenue": revenue,
            "orders": orders,
            "aov": [r / o for r, o in zip(revenue, orders, strict=True)],
            "recency_days": [1] * 10,
            "status": [
                *("active", "active", "active", "active", "churned"),
                *("at_risk", "active", "churned", "active", "active"),
            ],
        }
    )
    # AOV = 500, 80, 300, 50, 100, 50, 100, 80, 50, 20; sorted 20 50 50 50 80 80 100 100 300 500,
    # 75% quantile (linear) at position 9 * 0.75 = 6.75 -> 100 + 0.75 * (100 - 100) = 100.
    # Top 20% = the two best by revenue (1000, 800).
    out = sg.add_persona(t)
    assert out["persona"].to_list() == [
        "Premium",  # top, AOV 500 >= 100
        "Loyal High-Value",  # top, AOV 80 < 100, 10 orders >= 3
        "Low-Premium",  # AOV 300, active
        "Standard",
        "High Churn Risk",  # AOV 100 but churned: the risk rule comes first
        "High Churn Risk",  # at_risk
        "Low-Premium",  # AOV 100 >= 100
        "High Churn Risk",
        "Standard",
        "Standard",
    ]
    rules = sg.persona_rules(t)
    assert rules["persona"].to_list() == list(sg.PERSONAS)
    assert "800.00" in rules["rule"][0] and "100.00" in rules["rule"][0]


def test_loyalty_cutoffs():
    t = pl.DataFrame({"orders": [1, 2, 3, 4, 10]})
    assert sg.add_loyalty(t)["loyalty"].to_list() == [
        "New", "Returning", "Returning", "Loyal", "Loyal"
    ]  # fmt: skip
    assert sg.add_loyalty(t, 3, 6)["loyalty"].to_list() == [
        "New", "New", "Returning", "Returning", "Loyal"
    ]  # fmt: skip
    with pytest.raises(InputError, match="loyalty"):
        sg.add_loyalty(t, 4, 4)


def test_orders_distribution_caps():
    t = pl.DataFrame({"orders": [1, 1, 2, 3, 5], "revenue": [10.0, 20, 30, 40, 100]})
    out = sg.orders_distribution(t, cap=3)
    assert out.select("orders", "customers", "revenue").rows() == [
        ("1", 2, 30.0),
        ("2", 1, 30.0),
        ("3+", 2, 140.0),
    ]
    assert out["share"].to_list() == [0.4, 0.2, 0.4]  # 2/5, 1/5, 2/5


ORDERS = pl.DataFrame(
    {
        "customer_id": ["A", "A", "A", "A", "B", "C", "C", "C"],
        "order_id": ["o1", "o1", "o2", "o3", "o4", "o5", "o5", "o6"],
        "order_date": [
            date(2024, 1, 1),
            date(2024, 1, 1),
            date(2024, 1, 11),
            date(2024, 2, 1),
            date(2024, 1, 5),
            date(2024, 3, 6),
            date(2024, 3, 5),
            date(2024, 3, 5),
        ],
        "revenue": [10.0, 5.0, 20.0, 30.0, 7.0, 1.0, 2.0, 3.0],
        "product": ["pen", "ink", "pen", "paper", "pen", "ink", "ink", "pen"],
        "gender": ["F", "F", "M", None, "M", "F", "F", "F"],
    }
)


def test_time_to_second_order():
    out = sg.time_to_second_order(ORDERS)
    # A: o1 Jan 1, o2 Jan 11 -> 10 days; B has one order; C: o5 dated by its earliest line
    # (Mar 5) and o6 Mar 5 -> 0 days.
    assert out.select("customer_id", "days_to_second").rows() == [("A", 10), ("C", 0)]
    buckets = sg.second_order_buckets(out)
    got = dict(buckets.select("bucket", "customers").rows())
    assert got["0-7 days"] == 1 and got["8-30 days"] == 1 and got["over 365 days"] == 0
    assert buckets["cumulative_share"][-1] == 1.0


# --------------------------------------------------------------------------- contribution
def test_segment_summary_sums_and_ratios():
    t = sg.add_rfm(HAND)
    s = sg.segment_summary(t)
    lost = s.filter(pl.col("rfm_segment") == "Lost").row(0, named=True)
    # c8 + c9: revenue 20 + 10 = 30, 2 orders, aov 15, recency (300 + 400) / 2 = 350
    assert (lost["customers"], lost["revenue"], lost["orders"]) == (2, 30.0, 2)
    assert lost["aov"] == 15.0 and lost["avg_recency_days"] == 350.0
    assert lost["customer_share"] == 0.2 and lost["repeat_rate"] == 0.0
    assert s["revenue_share"].sum() == pytest.approx(1.0)
    # natural segment order kept
    order = [sg.SEGMENT_ORDER.index(x) for x in s["rfm_segment"]]
    assert order == sorted(order)
    assert s["action"].null_count() == 0


def test_segment_products_top_n():
    table = pl.DataFrame({"customer_id": ["A", "B", "C"], "tier": ["top", "low", "low"]})
    out = sg.segment_products(ORDERS, table, by="tier", top=1)
    # top (A): pen 10 + 20 = 30 and paper 30 tie for first, so only the revenue is checked;
    # low (B, C): pen 7 + 3 = 10 > ink 1 + 2 = 3, share 10 / 13.
    low = out.filter(pl.col("tier") == "low").row(0, named=True)
    assert (low["product"], low["revenue"], low["customers"]) == ("pen", 10.0, 2)
    assert low["share_of_group"] == pytest.approx(10 / 13)
    assert out.filter(pl.col("tier") == "top")["revenue"].item() == 30.0
    with pytest.raises(InputError, match="product or category"):
        sg.segment_products(ORDERS.drop("product"), table, by="tier")


# --------------------------------------------------------------------------- attributes
def test_numeric_attribute_binned_by_quantile():
    t = pl.DataFrame(
        {
            "age": [*range(20, 60), None],
            "revenue": [1.0] * 41,
            "orders": [1] * 40 + [2],
            "recency_days": [0] * 41,
        }
    )
    # quantiles of 20..59 (linear): 29.75, 39.5, 49.25 -> whole numbers: edges 29, 39, 49
    bins = sg.numeric_bins(t["age"], 4)
    assert bins.edges == (29.0, 39.0, 49.0)
    assert bins.labels == ("20-29", "30-39", "40-49", "50-59")
    out = sg.attribute_breakdown(t, "age", bins=4)
    assert out["group"].to_list() == ["20-29", "30-39", "40-49", "50-59", "(missing)"]
    assert out["customers"].to_list() == [10, 10, 10, 10, 1]
    assert out["repeat_rate"].to_list() == [0.0, 0.0, 0.0, 0.0, 1.0]


def test_text_attribute_and_attribute_columns():
    t = HAND.with_columns(
        pl.Series("gender", ["F", "M", "F", None, "F", "M", "F", "F", "M", "F"]),
        pl.Series("age", [30, 40, 50, 60, 30, 40, 50, 60, 30, 40]),
    )
    out = sg.attribute_breakdown(t, "gender")
    assert out["group"].to_list() == ["F", "M", "(missing)"]  # by revenue, missing last
    assert out["customers"].to_list() == [6, 3, 1]
    assert sg.attribute_columns(sg.add_rfm(t)) == ["gender", "age"]


def test_inconsistent_attributes_counted():
    out = sg.inconsistent_attributes(ORDERS, ["gender", "product", "nope"])
    # A has F and M (None ignored); B one value; C only F -> 1 of 3. product: A and C mix.
    assert out.rows() == [("gender", 3, 1, 1 / 3), ("product", 3, 2, 2 / 3)]


# --------------------------------------------------------------------------- compare groups
def _groups(seed: int = 7) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    n_yes, n_no = 60, 90
    return pl.DataFrame(
        {
            "subscription": ["Yes"] * n_yes + ["No"] * n_no,
            "revenue": np.r_[rng.gamma(2.0, 60.0, n_yes), rng.gamma(2.0, 45.0, n_no)],
            "orders": np.r_[rng.poisson(2.0, n_yes) + 1, rng.poisson(1.0, n_no) + 1],
        }
    )


def test_compare_groups_matches_scipy_and_welch_formula():
    t = _groups()
    c = sg.compare_groups(t, "subscription")
    assert (c.group_a, c.group_b) == ("No", "Yes")  # the "yes" value is the compared group
    yes = t.filter(pl.col("subscription") == "Yes")["revenue"].to_numpy()
    no = t.filter(pl.col("subscription") == "No")["revenue"].to_numpy()
    ref = stats.ttest_ind(yes, no, equal_var=False)
    assert c.t_stat == pytest.approx(ref.statistic)
    assert c.p_value == pytest.approx(ref.pvalue)
    # Welch-Satterthwaite by hand: df = (va/na + vb/nb)^2 / ((va/na)^2/(na-1) + (vb/nb)^2/(nb-1))
    va, vb = yes.var(ddof=1) / yes.size, no.var(ddof=1) / no.size
    df = (va + vb) ** 2 / (va**2 / (yes.size - 1) + vb**2 / (no.size - 1))
    assert c.df == pytest.approx(df)
    half = stats.t.ppf(0.975, df) * math.sqrt(va + vb)
    diff = yes.mean() - no.mean()
    assert c.diff == pytest.approx(diff)
    assert (c.ci_low, c.ci_high) == (pytest.approx(diff - half), pytest.approx(diff + half))
    # repeat rate: share with 2+ orders, Welch on the 0/1 indicator
    ry = (t.filter(pl.col("subscription") == "Yes")["orders"] >= 2).to_numpy().astype(float)
    rn = (t.filter(pl.col("subscription") == "No")["orders"] >= 2).to_numpy().astype(float)
    assert c.repeat_diff == pytest.approx(ry.mean() - rn.mean())
    assert c.repeat_p_value == pytest.approx(stats.ttest_ind(ry, rn, equal_var=False).pvalue)
    assert "subscription = Yes" in c.sentence and "Welch" in c.sentence
    assert c.to_frame().height == 2


def test_compare_groups_choice_and_errors():
    t = _groups()
    c = sg.compare_groups(t, "subscription", group_b="No")
    assert (c.group_a, c.group_b) == ("Yes", "No")
    assert c.diff == pytest.approx(-sg.compare_groups(t, "subscription").diff)
    first = pl.int_range(pl.len()) == 0
    three = t.with_columns(
        pl.when(first).then(pl.lit("Maybe")).otherwise("subscription").alias("subscription")
    )
    with pytest.raises(InputError, match="exactly two"):
        sg.compare_groups(three, "subscription")
    tiny = pl.DataFrame({"g": ["a", "b", "b"], "revenue": [1.0, 2.0, 3.0], "orders": [1, 1, 2]})
    with pytest.raises(InputError, match="at least 2"):
        sg.compare_groups(tiny, "g")
    with pytest.raises(InputError, match="not a numeric"):
        sg.compare_groups(t.with_columns(pl.lit("a").alias("txt")), "subscription", "txt")


def test_compare_groups_without_variation_says_so():
    t = pl.DataFrame(
        {"g": ["a", "a", "b", "b"], "revenue": [5.0, 5.0, 7.0, 7.0], "orders": [1, 1, 1, 1]}
    )
    c = sg.compare_groups(t, "g")
    assert c.diff == 2.0 and math.isnan(c.p_value)
    assert "no variation" in c.sentence


# --------------------------------------------------------------------------- drill-down
def test_drill_down():
    assert sg.find_customers(HAND, "C1")["customer_id"].to_list() == ["c1"]
    assert sg.find_customers(HAND, "", limit=2)["customer_id"].to_list() == ["c0", "c7"]
    assert sg.customer_profile(HAND, "c7")["revenue"] == 500.0
    with pytest.raises(InputError, match="no customer"):
        sg.customer_profile(HAND, "zz")
    orders = sg.customer_orders(ORDERS, "A")
    # newest first; o1 has two lines: 10 + 5
    assert orders.select("order_id", "lines", "revenue").rows() == [
        ("o3", 1, 30.0),
        ("o2", 1, 20.0),
        ("o1", 2, 15.0),
    ]
    assert orders["product"].to_list()[-1] == "pen, ink"
    timeline = sg.customer_timeline(ORDERS, "A")
    assert timeline["cumulative_revenue"].to_list() == [15.0, 35.0, 65.0]


# --------------------------------------------------------------------------- page helpers
def test_segment_cells_and_kpis():
    cells = sg.segment_cells(HAND)
    assert cells.height == 25 and cells["customers"].sum() == 10
    # c8, c9: R1 FM1 (Lost), revenue 20 + 10
    lost = cells.filter((pl.col("r") == 1) & (pl.col("fm") == 1)).row(0, named=True)
    assert (lost["rfm_segment"], lost["customers"], lost["revenue"]) == ("Lost", 2, 30.0)
    k = sg.segment_kpis(sg.add_rfm(HAND))
    # revenue 2070 over 10 customers and 25 orders; repeat: c0, c4, c5, c6, c7 -> 5 of 10
    assert k["customers"] == 10 and k["revenue"] == 2070.0
    assert k["revenue_per_customer"] == 207.0 and k["aov"] == pytest.approx(2070 / 25)
    assert k["repeat_rate"] == 0.5 and k["champions"] == 1
    assert k["champions_revenue_share"] == pytest.approx(900 / 2070)
    # slipping: At Risk c6 (300) + Cannot Lose Them c7 (500)
    assert k["slipping"] == 2 and k["slipping_revenue_share"] == pytest.approx(800 / 2070)


def test_second_order_summary():
    days = pl.DataFrame({"days_to_second": [0, 10, 40, 100]})
    s = sg.second_order_summary(days, customers=8)
    # median of 0, 10, 40, 100 = (10 + 40) / 2 = 25; within 30: 2 of 4; within 90: 3 of 4
    assert s["customers_with_second"] == 4 and s["share_with_second"] == 0.5
    assert s["median_days"] == 25.0
    assert (s["within_30_days"], s["within_90_days"]) == (0.5, 0.75)


def test_two_valued_attributes_and_case_duplicates():
    t = HAND.with_columns(
        pl.Series("subscription", ["Yes", "No"] * 5),
        pl.Series("region", ["N", "S", "E", "W", "N"] * 2),
        pl.Series("Region", ["N", "S", "E", "W", "N"] * 2),
    )
    assert sg.attribute_columns(t) == ["subscription", "region"]
    assert sg.two_valued_attributes(t) == ["subscription"]
    assert sg.metric_columns(t) == ["revenue", "aov", "orders"]


# --------------------------------------------------------------------------- page helpers
def test_segment_members_keeps_only_that_segment():
    t = pl.DataFrame({"customer_id": ["a", "b", "c"], "rfm_segment": ["Lost", "Loyal", "Lost"]})
    assert sg.segment_members(t, "Lost")["customer_id"].to_list() == ["a", "c"]
    assert sg.segment_members(t, "Champions").is_empty()


def test_tier_table_round_trip_skips_half_typed_rows():
    t = sg.tier_table()
    # DEFAULT_TIERS 0.05, 0.15, 0.30, 0.50 -> 5, 15, 30, 50 percent
    assert t["share_pct"].to_list() == pytest.approx([5.0, 15.0, 30.0, 50.0])
    edited = pl.DataFrame(
        {"tier": ["Gold", "Rest", None, "New"], "share_pct": [25.0, 75.0, 10.0, None]}
    )
    # the row without a name and the row without a share are left out; 25% -> 0.25
    assert sg.tiers_from_table(edited) == (("Gold", 0.25), ("Rest", 0.75))


def test_loyalty_rule_in_words():
    # 2 and 4: New = 1 order, Returning = 2..3, Loyal = 4+
    assert sg.loyalty_rule(2, 4) == (
        "New: 1 order. Returning: 2 to 3 orders. Loyal: 4 orders or more."
    )
    # 3 and 4: New = 1..2, Returning = exactly 3
    assert sg.loyalty_rule(3, 4) == (
        "New: 1 to 2 orders. Returning: 3 orders. Loyal: 4 orders or more."
    )


def test_top_items_one_group_and_all_groups_in_order():
    prods = pl.DataFrame(
        {
            "persona": ["Premium", "Premium", "Premium", "Standard", "Standard"],
            "product": ["A", "B", "C", "A", "D"],
            "rank": [1, 2, 3, 1, 2],
            "revenue": [90.0, 50.0, 10.0, 30.0, 20.0],
            "customers": [3, 2, 1, 4, 2],
            "share_of_group": [0.6, 1 / 3, 1 / 15, 0.6, 0.4],
        }
    )
    one = sg.top_items(prods, "persona", 2, group="Premium")
    assert one.columns == ["product", "revenue", "customers", "share_of_group"]
    assert one["product"].to_list() == ["A", "B"]  # rank 3 (C) is cut by top = 2
    both = sg.top_items(prods, "persona", 1, order=["Standard", "Premium"])
    assert both.select("persona", "product").rows() == [("Standard", "A"), ("Premium", "A")]


def test_inconsistent_count():
    orders = pl.DataFrame(
        {"customer_id": ["a", "a", "b", "b", "c"], "region": ["N", "S", "N", "N", None]}
    )
    # a has N and S (2 values) -> inconsistent; b only N; c only a null -> 1
    assert sg.inconsistent_count(orders, "region") == 1
    assert sg.inconsistent_count(orders, "gender") == 0


def test_status_labels_in_tables_and_persona_rules():
    t = pl.DataFrame({"status": ["active", "at_risk", "churned", None], "x": [1, 2, 3, 4]})
    assert sg.with_status_labels(t)["status"].to_list() == ["Active", "At risk", "Churned", None]
    no_status = pl.DataFrame({"x": [1]})
    assert sg.with_status_labels(no_status).equals(no_status)
    table = pl.DataFrame(
        {
            "revenue": [100.0, 50.0],
            "orders": [2, 1],
            "aov": [50.0, 50.0],
            "recency_days": [5, 100],
            "status": ["active", "churned"],
        }
    )
    assert sg.persona_rules(table)["rule"][2] == "status is At risk or Churned"
    # a labelled status column keeps its natural order in the summary (not by revenue)
    summary = sg.segment_summary(
        sg.with_status_labels(table.with_columns(pl.Series("status", ["churned", "active"]))),
        "status",
    )
    assert summary["status"].to_list() == ["Active", "Churned"]


def test_drill_down_labels():
    found = pl.DataFrame({"customer_id": ["C1", "C2"], "rfm_segment": ["Loyal", None]})
    assert sg.match_labels(found) == {"C1": "C1 · Loyal", "C2": "C2"}
    p = {
        "rfm_segment": "Loyal",
        "r_score": 3,
        "f_score": 5,
        "m_score": 5,
        "value_tier": "Top 5%",
        "persona": "Premium",
        "loyalty": None,
        "status": "churned",
        "age": 39,
        "gender": None,
    }
    assert sg.profile_headline(p) == (
        "**Loyal** (R 3 · F 5 · M 5) · Top 5% · Premium · status **Churned**"
    )
    assert sg.profile_attributes(p, ["age", "gender", "region"]) == "age: 39 · gender: –"
