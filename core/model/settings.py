"""The user's definitions in one value: the as-of date and the churn and at-risk thresholds.

A `Settings` is passed to every function whose answer depends on them, so the app, the command
line and the tests agree on what "churned" means for a run. Frozen: a change is a new value
(`dataclasses.replace`), which also makes it a safe cache key.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from core.model.errors import InputError
from core.model.schema import Frame, resolve_as_of

CHURN_DAYS = 90
AT_RISK_DAYS = 60


def check_thresholds(churn_days: int, at_risk_days: int) -> None:
    """Raise InputError unless 0 <= at_risk_days <= churn_days (equal means no at-risk band)."""
    if churn_days is None or at_risk_days is None:
        raise InputError("churn and at-risk thresholds must be whole numbers of days")
    if churn_days < 1:
        raise InputError(f"the churn threshold must be at least 1 day, got {churn_days}")
    if at_risk_days < 0:
        raise InputError(f"the at-risk threshold cannot be negative, got {at_risk_days}")
    if at_risk_days > churn_days:
        raise InputError(
            f"the at-risk threshold ({at_risk_days} days) must not exceed "
            f"the churn threshold ({churn_days} days)"
        )


@dataclass(frozen=True)
class Settings:
    """User-controlled definitions (SPEC defaults). as_of None means the last order date."""

    as_of: date | None = None
    churn_days: int = CHURN_DAYS
    at_risk_days: int = AT_RISK_DAYS
    extra: dict = field(default_factory=dict, hash=False, compare=False)

    def check(self) -> Settings:
        """These settings, after checking the thresholds (InputError when they are wrong)."""
        check_thresholds(self.churn_days, self.at_risk_days)
        return self

    def resolved(self, orders: Frame) -> Settings:
        """These settings with as_of filled in from the orders when it was left open."""
        return self if self.as_of is not None else replace(self, as_of=resolve_as_of(orders))
