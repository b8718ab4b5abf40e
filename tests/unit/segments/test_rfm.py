"""RFM scores and the segment map worked out by hand, ties included (core.segments.rfm)."""

from __future__ import annotations

import polars as pl
import pytest

from core import segments as sg
from core.errors import InputError
from tests.unit.segments.hand import HAND


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


def test_segment_members_keeps_only_that_segment():
    t = pl.DataFrame({"customer_id": ["a", "b", "c"], "rfm_segment": ["Lost", "Loyal", "Lost"]})
    assert sg.segment_members(t, "Lost")["customer_id"].to_list() == ["a", "c"]
    assert sg.segment_members(t, "Champions").is_empty()


def test_present_segments_are_the_named_rows_of_the_segment_summary():
    t = pl.DataFrame(
        {"customer_id": ["a", "b", "c", "d"], "rfm_segment": ["Lost", "Champions", None, "Lost"]}
    )
    assert sg.present_segments(t) == ["Champions", "Lost"]  # SEGMENT_ORDER, nulls left out
    for bins in (3, 5):
        scored = sg.add_rfm(HAND, bins=bins)
        named = [s for s in sg.segment_summary(scored)["rfm_segment"] if s is not None]
        assert sg.present_segments(scored) == named


@pytest.mark.parametrize("bins", [3, 4, 5])
def test_map_and_thresholds_are_segment_cells_and_rfm_thresholds(bins):
    cells, thresholds = sg.map_and_thresholds(HAND, bins)
    assert cells.equals(sg.segment_cells(HAND, bins))
    assert thresholds.equals(sg.rfm_thresholds(HAND, bins))
