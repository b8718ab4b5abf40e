"""The Action plan chart: bars of net gain per action, intervals only where there is one."""

from __future__ import annotations

import polars as pl

from core.charts.plan import net_gain_chart

ACTIONS = pl.DataFrame(
    {
        "rule": ["Win back", "Nurture"],
        "action": ["Offer", "Perks"],
        "customers": [3, 1],
        "net_gain": [100.0, 50.0],
        "net_gain_low": [20.0, 50.0],
        "net_gain_high": [180.0, 50.0],
        "uplift": [0.35, 0.1],
        "uplift_source": ["experiment", "assumption"],
    }
)


def test_net_gain_bars_in_rank_order_with_the_experiments_interval_only():
    spec = net_gain_chart(ACTIONS).to_dict()
    bars, interval = spec["layer"][0], spec["layer"][1]
    assert bars["encoding"]["y"]["sort"] == ["Win back", "Nurture"]
    assert bars["encoding"]["color"]["scale"]["domain"] == ["experiment", "assumption"]
    datasets = spec["datasets"]
    ranged = datasets[interval["data"]["name"]]
    assert [r["rule"] for r in ranged] == ["Win back"]  # the assumption has no interval
    assert (ranged[0]["net_gain_low"], ranged[0]["net_gain_high"]) == (20.0, 180.0)
