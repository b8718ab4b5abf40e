"""The rule language's tokens: limits on hostile input, units, the tokenizer and its error.

Every character of a condition is accounted for here: strings, numbers (with an optional
currency sign), names, operators; anything else (attribute access, arithmetic, braces,
backticks, ...) is refused with a RuleSyntaxError naming the character and its position.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from typing import Any

from core.errors import InputError

MAX_CONDITION_CHARS = 2000
MAX_DEPTH = 30
MAX_LIST_ITEMS = 500
MAX_STRING_CHARS = 200
MAX_NUMBER_DIGITS = 15
MAX_NUMBER = 1e15

# unit -> (factor, kind). kind "time": only for *_days columns; "ratio": only for rates.
UNITS: dict[str, tuple[float, str]] = {
    "d": (1, "time"),
    "day": (1, "time"),
    "days": (1, "time"),
    "w": (7, "time"),
    "wk": (7, "time"),
    "week": (7, "time"),
    "weeks": (7, "time"),
    "mo": (30, "time"),
    "month": (30, "time"),
    "months": (30, "time"),
    "y": (365, "time"),
    "yr": (365, "time"),
    "year": (365, "time"),
    "years": (365, "time"),
    "k": (1000, "scale"),
    "%": (0.01, "ratio"),
}
_WORDS = {"and", "or", "not", "in", "between", "is", "null", "none", "true", "false"}
_PY_KEYWORDS = {k.lower() for k in keyword.kwlist} - _WORDS | {"lambda", "import", "exec", "eval"}
_CMP_OPS = {
    "==": "==",
    "=": "==",
    "!=": "!=",
    "<>": "!=",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


class RuleSyntaxError(InputError):
    """A condition or reason that cannot be used; `position` is the 0-based character offset."""

    def __init__(self, message: str, position: int | None = None, text: str = "") -> None:
        self.position = position
        self.detail = message
        where = f" at position {position + 1}" if position is not None else ""
        excerpt = ""
        if position is not None and text:
            lo = max(0, position - 15)
            excerpt = f" (near {text[lo : position + 15]!r})"
        super().__init__(f"{message}{where}{excerpt}")


@dataclass(frozen=True)
class _Tok:
    kind: str  # num, str, name, op, end
    text: str
    pos: int
    end: int
    value: Any = None


_NUM_RE = re.compile(r"[$€£]?(\d[\d_]*(?:\.\d+)?|\.\d+)")
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPS = ("==", "!=", "<>", "<=", ">=", "<", ">", "=", "(", ")", "[", "]", ",", "-", "%")
_BAD_CHARS = {
    ".": "attribute access is not allowed",
    "+": "arithmetic is not supported",
    "*": "arithmetic is not supported",
    "/": "arithmetic is not supported",
    "@": "decorators and matrix operators are not allowed",
    ";": "only one condition per rule (no ';')",
    "{": "braces are not allowed in a condition",
    "}": "braces are not allowed in a condition",
    "`": "backticks are not allowed",
    "\\": "backslashes are only allowed inside strings",
    ":": "':' is not allowed (no lambdas, slices or annotations)",
    "&": "use 'and' instead of '&'",
    "|": "use 'or' instead of '|'",
    "~": "use 'not' instead of '~'",
    "!": "use 'not' or '!=' instead of '!'",
}


def _tokenize(text: str) -> list[_Tok]:
    if len(text) > MAX_CONDITION_CHARS:
        raise RuleSyntaxError(f"the condition is longer than {MAX_CONDITION_CHARS} characters")
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c in "\"'":
            j, buf = i + 1, []
            while j < n and text[j] != c:
                if text[j] == "\\" and j + 1 < n and text[j + 1] in (c, "\\"):
                    j += 1
                buf.append(text[j])
                j += 1
            if j >= n:
                raise RuleSyntaxError("unterminated string", i, text)
            if len(buf) > MAX_STRING_CHARS:
                raise RuleSyntaxError(f"string longer than {MAX_STRING_CHARS} characters", i, text)
            toks.append(_Tok("str", text[i : j + 1], i, j + 1, "".join(buf)))
            i = j + 1
            continue
        m = _NUM_RE.match(text, i)
        if m and (c.isdigit() or (c in "$€£." and m.end() > i + 1)):
            raw = m.group(1).replace("_", "")
            if len(raw.replace(".", "").lstrip("0")) > MAX_NUMBER_DIGITS:
                raise RuleSyntaxError(f"number with more than {MAX_NUMBER_DIGITS} digits", i, text)
            end = m.end()
            if end < n and (
                text[end].isalpha()
                and text[end].lower() in "ej"
                and (end + 1 >= n or not text[end + 1].isalpha())
            ):
                raise RuleSyntaxError(
                    "scientific and complex number notation is not supported", i, text
                )
            toks.append(_Tok("num", text[i:end], i, end, float(raw)))
            i = end
            continue
        m = _NAME_RE.match(text, i)
        if m:
            word = m.group(0)
            if word.startswith("_"):
                raise RuleSyntaxError(
                    f"names starting with '_' are not allowed ({word!r})", i, text
                )
            if word.lower() in _PY_KEYWORDS:
                raise RuleSyntaxError(f"{word!r} is not allowed in a condition", i, text)
            toks.append(_Tok("name", word, i, m.end()))
            i = m.end()
            continue
        for op in _OPS:
            if text.startswith(op, i):
                toks.append(_Tok("op", op, i, i + len(op)))
                i += len(op)
                break
        else:
            reason = _BAD_CHARS.get(c, f"unexpected character {c!r}")
            raise RuleSyntaxError(reason, i, text)
    toks.append(_Tok("end", "", n, n))
    return toks
