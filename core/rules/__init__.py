"""Insight rules: "customers like this -> do that". This package's public API.

A rule has a name, enabled, condition, reason, action, confidence (High / Medium / Low) and
priority (higher wins when a customer matches several rules; ties go to the rule listed first).
Conditions are a small language over the customer table (see `parser` for the grammar), compiled
to polars expressions; reasons are templates with `{column}` placeholders.

Modules, one idea each:
    lexer       limits, units, tokens and RuleSyntaxError
    syntax      the syntax tree nodes and Threshold
    parser      the recursive-descent parser (parse_condition)
    kinds       what a column holds (days, ratio, money, ...) from its name and dtype
    compiler    a condition -> one boolean polars expression (compile_condition)
    reasons     reason templates -> text expressions
    model       Rule, validation, JSON import / export, default rules, diffs
    evaluation  matching, priority resolution, statistics, overlaps, insights
    tuning      thresholds, slider ranges and the sensitivity curve
    editor      what the rules page shows and edits (vocabulary, preview, table edits)
"""

from core.rules.compiler import compile_condition
from core.rules.editor import (
    NEW_RULE,
    STAT_COLUMNS,
    Preview,
    apply_table_edits,
    coverage_text,
    insight_choices,
    label_statuses,
    preview,
    replace_rule,
    rule_measures,
    rule_stats_table,
    rules_by_priority,
    rules_table,
    sample_matches,
    vocabulary,
)
from core.rules.evaluation import (
    AT_RISK_STATUSES,
    KEY_METRICS,
    CompiledRule,
    Evaluation,
    compile_rules,
    evaluate,
    filter_insights,
    summary_by_action,
)
from core.rules.lexer import (
    MAX_CONDITION_CHARS,
    MAX_DEPTH,
    MAX_LIST_ITEMS,
    MAX_NUMBER,
    MAX_NUMBER_DIGITS,
    MAX_STRING_CHARS,
    UNITS,
    RuleSyntaxError,
)
from core.rules.model import (
    CONFIDENCES,
    DEFAULT_RULES_PATH,
    RULE_FIELDS,
    Rule,
    default_rules,
    diff_rules,
    load_rules,
    rule_from_dict,
    rules_frame,
    rules_from_json,
    rules_to_json,
    validate_rules,
    with_rule,
)
from core.rules.parser import Condition, parse_condition
from core.rules.reasons import format_expr, reason_expr, render_reasons
from core.rules.syntax import Threshold
from core.rules.tuning import (
    THRESHOLD_WORDS,
    SliderSpec,
    default_curve,
    sensitivity,
    set_threshold,
    slider_specs,
    threshold_label,
    threshold_range,
    thresholds,
    with_threshold,
)

__all__ = [
    "AT_RISK_STATUSES",
    "CONFIDENCES",
    "DEFAULT_RULES_PATH",
    "KEY_METRICS",
    "MAX_CONDITION_CHARS",
    "MAX_DEPTH",
    "MAX_LIST_ITEMS",
    "MAX_NUMBER",
    "MAX_NUMBER_DIGITS",
    "MAX_STRING_CHARS",
    "NEW_RULE",
    "RULE_FIELDS",
    "STAT_COLUMNS",
    "THRESHOLD_WORDS",
    "UNITS",
    "CompiledRule",
    "Condition",
    "Evaluation",
    "Preview",
    "Rule",
    "RuleSyntaxError",
    "SliderSpec",
    "Threshold",
    "apply_table_edits",
    "compile_condition",
    "compile_rules",
    "coverage_text",
    "default_curve",
    "default_rules",
    "diff_rules",
    "evaluate",
    "filter_insights",
    "format_expr",
    "insight_choices",
    "label_statuses",
    "load_rules",
    "parse_condition",
    "preview",
    "reason_expr",
    "render_reasons",
    "replace_rule",
    "rule_from_dict",
    "rule_measures",
    "rule_stats_table",
    "rules_by_priority",
    "rules_frame",
    "rules_from_json",
    "rules_table",
    "rules_to_json",
    "sample_matches",
    "sensitivity",
    "set_threshold",
    "slider_specs",
    "summary_by_action",
    "threshold_label",
    "threshold_range",
    "thresholds",
    "validate_rules",
    "vocabulary",
    "with_rule",
    "with_threshold",
]
