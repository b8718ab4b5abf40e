"""The plan's imports from other packages in one place, through their public names, so a move
of those modules (experiments, CLV, hub) changes one file."""

from __future__ import annotations

from core.experiments import (
    Experiment,
    analyse,
    default_control,
    from_frame,
    load_experiment,
    segment_results,
)

__all__ = [
    "Experiment",
    "analyse",
    "default_control",
    "from_frame",
    "load_experiment",
    "segment_results",
]
