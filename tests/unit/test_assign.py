"""Hashed assignment (core.assign): FNV-1a test vectors, determinism, split and strata."""

from __future__ import annotations

import polars as pl
import pytest
from scipy import stats

from core.assign import assign, buckets, fnv1a32, split_summary
from core.errors import InputError


def test_fnv1a32_published_vectors():
    # FNV-1a 32-bit test vectors (Noll's FNV test suite): "" 0x811c9dc5, "a" 0xe40c292c,
    # "foobar" 0xbf9cf968
    h = fnv1a32(["", "a", "foobar"])
    assert [int(x) for x in h] == [0x811C9DC5, 0xE40C292C, 0xBF9CF968]


def test_fnv1a32_hashes_utf8_bytes():
    # "é" is the two bytes c3 a9: ((0x811c9dc5 ^ 0xc3) * p mod 2^32 ^ 0xa9) * p mod 2^32
    p, h = 16777619, 0x811C9DC5
    for byte in "é".encode():
        h = ((h ^ byte) * p) % 2**32
    assert int(fnv1a32(["é"])[0]) == h


def test_buckets_are_deterministic_and_salted():
    ids = [f"C{i:05d}" for i in range(50)]
    b1, b2 = buckets(ids, "exp1"), buckets(ids, "exp1")
    assert (b1 == b2).all() and ((b1 >= 0) & (b1 < 1)).all()
    assert (buckets(ids, "exp2") != b1).any()


def _units(n: int = 6000) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "customer_id": [f"C{i:05d}" for i in range(n)],
            "tier": ["gold", "silver", "bronze"] * (n // 3),
        }
    )


def test_assignment_follows_the_split():
    out = assign(_units(), ["control", "offer"], [0.2, 0.8], salt="s")
    counts = split_summary(out)
    n = dict(zip(counts["variant"], counts["units"]))
    # a fair 20/80 split: chi-square goodness of fit should not reject at 0.001
    assert stats.chisquare([n["control"], n["offer"]], [1200, 4800]).pvalue > 0.001
    # adding units later does not move the existing ones
    more = assign(_units(9000), ["control", "offer"], [0.2, 0.8], salt="s")
    joined = out.join(more, on="customer_id", suffix="_later")
    assert (joined["variant"] == joined["variant_later"]).all()


def test_stratified_assignment_matches_the_split_in_each_stratum():
    out = assign(_units(), ["A", "B", "C"], [1, 1, 2], salt="s", strata="tier")
    assert out["customer_id"].to_list() == _units()["customer_id"].to_list()  # input order kept
    s = split_summary(out, "tier")
    # 2000 per tier: 500 / 500 / 1000 exactly
    assert s.filter(pl.col("variant") == "C")["units"].to_list() == [1000, 1000, 1000]
    assert s.filter(pl.col("variant") == "A")["units"].to_list() == [500, 500, 500]
    again = assign(_units(), ["A", "B", "C"], [1, 1, 2], salt="s", strata="tier")
    assert out.equals(again)


def test_bad_assignment_input():
    with pytest.raises(InputError, match="no column 'id'"):
        assign(_units(), unit="id")
    with pytest.raises(InputError, match="at least two variants"):
        assign(_units(), ["only"])
    with pytest.raises(InputError, match="2 shares for 3 variants"):
        assign(_units(), ["a", "b", "c"], [1, 1])


# ---------------------------------------------------------------- what the user types and picks
def test_parse_split():
    from core.assign import parse_split

    assert parse_split("50/50", 2) == (50.0, 50.0)
    assert parse_split(" 20, 80 ", 2) == (20.0, 80.0)
    assert parse_split("1:1:2", 3) == (1.0, 1.0, 2.0)
    assert parse_split("", 2) is None and parse_split(" / ", 2) is None  # blank: equal shares
    with pytest.raises(InputError, match="needs 2 positive shares"):
        parse_split("50/40/10", 2)
    with pytest.raises(InputError, match="needs 2 positive shares"):
        parse_split("0/100", 2)
    with pytest.raises(InputError, match="needs 2 positive shares"):
        parse_split("nan/1", 2)
    with pytest.raises(InputError, match="not numbers"):
        parse_split("half/half", 2)


def test_parse_variants():
    from core.assign import parse_variants

    assert parse_variants(" control, offer ,, ") == ["control", "offer"]
    assert parse_variants("") == []


def test_unit_choices_and_pick_units():
    from core.assign import pick_units, unit_choices

    table = pl.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "status": ["churned", "at_risk", "at_risk", "active"],
            "rfm_segment": ["Lost", "At Risk", None, "Champions"],
            "value_tier": ["Low", "Top 5%", "Mid", "Top 5%"],
            "revenue": [10.0, 500.0, 40.0, 900.0],
            "orders": [1, 4, 2, 9],
        }
    )
    statuses, segments = unit_choices(table)
    assert statuses == ["active", "at_risk", "churned"]  # the status order, not alphabetical
    assert segments == ["At Risk", "Champions", "Lost"]  # nulls left out
    picked = pick_units(table, ["at_risk"])
    assert picked["customer_id"].to_list() == ["b", "c"]
    assert picked["status"].to_list() == ["At risk", "At risk"]  # the friendly label
    assert picked.columns == ["customer_id", "status", "rfm_segment", "value_tier", "revenue"]
    # both filters: at risk AND in "At Risk" -> only b; no filter -> everyone
    assert pick_units(table, ["at_risk"], ["At Risk"])["customer_id"].to_list() == ["b"]
    assert pick_units(table)["status"].to_list() == ["Churned", "At risk", "At risk", "Active"]
