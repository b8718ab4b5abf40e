"""A rule and its file form: the Rule dataclass, validation of rule objects, JSON import and
export, the bundled default set and the differences between two rule sets."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl

from core.errors import InputError
from core.rules.lexer import MAX_CONDITION_CHARS

CONFIDENCES = ("High", "Medium", "Low")
DEFAULT_RULES_PATH = Path(__file__).resolve().parents[2] / "data" / "default_rules.json"


@dataclass(frozen=True)
class Rule:
    name: str
    condition: str
    action: str
    reason: str = ""
    confidence: str = "Medium"
    priority: int = 50
    enabled: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "enabled": self.enabled,
            "condition": self.condition,
            "reason": self.reason,
            "action": self.action,
            "confidence": self.confidence,
            "priority": self.priority,
        }


RULE_FIELDS = ("name", "enabled", "condition", "reason", "action", "confidence", "priority")


def _as_bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in (
        "true",
        "yes",
        "1",
        "false",
        "no",
        "0",
        "",
    ):
        return value.strip().lower() in ("true", "yes", "1")
    raise InputError(f"{where}: 'enabled' must be true or false, got {value!r}")


def rule_from_dict(obj: Any, where: str = "rule") -> Rule:
    """Validate one rule object (as in a rules JSON file or an edited table row)."""
    if not isinstance(obj, dict):
        raise InputError(f"{where}: a rule must be an object with name, condition, action")
    unknown = sorted(set(obj) - set(RULE_FIELDS))
    if unknown:
        raise InputError(
            f"{where}: unknown field(s) {', '.join(map(repr, unknown))}; "
            f"a rule has {', '.join(RULE_FIELDS)}"
        )

    def text(key: str, required: bool) -> str:
        value = obj.get(key)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            value = ""
        if not isinstance(value, str):
            raise InputError(f"{where}: {key!r} must be text, got {value!r}")
        value = value.strip()
        if required and not value:
            raise InputError(f"{where}: {key!r} is missing")
        if len(value) > MAX_CONDITION_CHARS:
            raise InputError(f"{where}: {key!r} is longer than {MAX_CONDITION_CHARS} characters")
        return value

    name = text("name", True)
    where = f"{where} ({name!r})"
    confidence = text("confidence", False) or "Medium"
    matches = [c for c in CONFIDENCES if c.lower() == confidence.lower()]
    if not matches:
        raise InputError(f"{where}: confidence must be High, Medium or Low, got {confidence!r}")
    priority = obj.get("priority", 50)
    if priority is None or (isinstance(priority, float) and math.isnan(priority)):
        priority = 50
    if isinstance(priority, str):
        try:
            priority = float(priority.strip())
        except ValueError:
            raise InputError(f"{where}: priority must be a number, got {priority!r}") from None
    if (
        isinstance(priority, bool)
        or not isinstance(priority, (int, float))
        or not (float(priority).is_integer() and abs(priority) <= 1_000_000)
    ):
        raise InputError(f"{where}: priority must be a whole number, got {priority!r}")
    enabled = obj.get("enabled", True)
    return Rule(
        name=name,
        condition=text("condition", False),
        action=text("action", True),
        reason=text("reason", False),
        confidence=matches[0],
        priority=int(priority),
        enabled=True if enabled is None else _as_bool(enabled, where),
    )


def validate_rules(objs: Iterable[Any], source: str = "rules") -> list[Rule]:
    """Rules from a list of objects; names must be unique. Conditions are checked later, per
    rule, so one bad condition never blocks the others."""
    rules = [rule_from_dict(o, f"{source}: rule {i + 1}") for i, o in enumerate(objs)]
    seen: dict[str, int] = {}
    for i, r in enumerate(rules):
        if r.name.lower() in seen:
            raise InputError(
                f"{source}: rule {i + 1} has the same name as rule {seen[r.name.lower()] + 1} "
                f"({r.name!r}); names must be unique"
            )
        seen[r.name.lower()] = i
    return rules


MAX_RULES_BYTES = 1024 * 1024  # a rules file of 500 rules is well under 1 MB


def rules_from_json(text: str | bytes, source: str = "rules file") -> list[Rule]:
    """Parse a rules JSON document: a list of rule objects (or {"rules": [...]}).
    Bytes must be UTF-8; size, nesting and number length are bounded, each named when passed."""
    if len(text) > MAX_RULES_BYTES:
        raise InputError(f"{source} is larger than {MAX_RULES_BYTES // 1024 // 1024} MB")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{source} is not UTF-8 text (byte 0x{text[exc.start]:02x} at position "
                f"{exc.start:,}): save it as UTF-8"
            ) from None
    try:
        data = json.loads(text)
    except RecursionError:
        raise InputError(f"{source} is nested too deeply to be a list of rules") from None
    except ValueError as exc:
        if "digits" in str(exc):  # Python refuses integers of more than 4,300 digits
            raise InputError(f"{source} holds a number with too many digits") from None
        raise InputError(f"{source} is not valid JSON: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("rules"), list):
        data = data["rules"]
    if not isinstance(data, list):
        raise InputError(f"{source} must hold a JSON list of rule objects")
    if len(data) > 500:
        raise InputError(f"{source} holds {len(data)} rules; at most 500 are supported")
    return validate_rules(data, source)


def rules_to_json(rules: Sequence[Rule]) -> str:
    return json.dumps([r.to_dict() for r in rules], indent=2, ensure_ascii=False)


def load_rules(path: str | Path) -> list[Rule]:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_RULES_BYTES:
            raise InputError(
                f"the rules file is larger than {MAX_RULES_BYTES // 1024 // 1024} MB",
                file=str(path),
            )
        text = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the rules file: {exc.strerror}", file=str(path)) from None
    return rules_from_json(text, source=f"rules file {path.name!r}")


def default_rules() -> list[Rule]:
    """The bundled default rule set (data/default_rules.json)."""
    return load_rules(DEFAULT_RULES_PATH)


def diff_rules(old: Sequence[Rule], new: Sequence[Rule]) -> list[str]:
    """Human-readable changes from `old` to `new` (added, removed, changed fields)."""
    before = {r.name: r for r in old}
    after = {r.name: r for r in new}
    out = [f"added {n!r}" for n in after if n not in before]
    out += [f"removed {n!r}" for n in before if n not in after]
    for n, r in after.items():
        if n in before and before[n] != r:
            a, b = before[n].to_dict(), r.to_dict()
            changes = [f"{k} {a[k]!r} -> {b[k]!r}" for k in RULE_FIELDS if a[k] != b[k]]
            out.append(f"changed {n!r}: " + "; ".join(changes))
    if not out and [r.name for r in old] != [r.name for r in new]:
        out.append("reordered rules")
    return out


def rules_frame(rules: Sequence[Rule]) -> pl.DataFrame:
    """Rules as a table (for the editor and exports)."""
    return pl.DataFrame(
        [r.to_dict() for r in rules],
        schema={
            "name": pl.Utf8,
            "enabled": pl.Boolean,
            "condition": pl.Utf8,
            "reason": pl.Utf8,
            "action": pl.Utf8,
            "confidence": pl.Utf8,
            "priority": pl.Int64,
        },
    )


def with_rule(rules: Sequence[Rule], index: int, **changes: Any) -> list[Rule]:
    """A copy of `rules` with rule `index` changed."""
    out = list(rules)
    out[index] = replace(out[index], **changes)
    return out
