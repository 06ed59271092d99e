"""Legacy list filters and paging (``filter``/``order``/``start``), pure.

Filter keys carry an operator prefix: ``>=``, ``>``, ``<=``, ``<``, ``@`` (in), ``!@``, ``%``
(substring), ``=%``/``%=`` (LIKE with explicit ``%``), ``!%``, ``!=``, ``!``, ``=`` (default).
Pages are always 50 rows; ``start=-1`` skips counting (``total`` 0, no ``next``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

PAGE_SIZE = 50

_OPERATORS = ("!=%", "!%=", ">=", "<=", "!@", "=%", "%=", "!%", "!=", ">", "<", "@", "%", "!", "=")


@dataclass(frozen=True)
class Condition:
    """One filter entry: field, operator, operand."""

    field: str
    op: str
    operand: Any


def parse_filter(raw: Any) -> list[Condition]:
    """Conditions from a ``filter`` parameter (a dict; anything else filters nothing)."""
    if not isinstance(raw, dict):
        return []
    conditions = []
    for key, operand in raw.items():
        op = next((o for o in _OPERATORS if key.startswith(o)), "=")
        name = key[len(op) :] if key.startswith(op) else key
        conditions.append(Condition(name.upper(), op, operand))
    return conditions


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):
        return None


def _compare(left: str, right: str) -> int:
    a, b = _number(left), _number(right)
    if a is not None and b is not None:
        return (a > b) - (a < b)
    return (left > right) - (left < right)


def _like(value: str, pattern: str) -> bool:
    regex = "^" + ".*".join(re.escape(part) for part in pattern.split("%")) + "$"
    return re.match(regex, value, re.IGNORECASE | re.DOTALL) is not None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    return str(value)


def _matches_one(value: str, op: str, operand: Any) -> bool:
    operands = operand if isinstance(operand, list) else [operand]
    texts = [_text(o) for o in operands]
    if op in {"=", "@"}:
        return any(_compare(value, t) == 0 if _number(t) is not None else value == t for t in texts)
    if op in {"!", "!=", "!@"}:
        return not _matches_one(value, "=", operand)
    if op == "%":
        return any(t.lower() in value.lower() for t in texts)
    if op == "!%":
        return not _matches_one(value, "%", operand)
    if op in {"=%", "%="}:
        return any(_like(value, t) for t in texts)
    if op in {"!=%", "!%="}:
        return not _matches_one(value, "=%", operand)
    target = texts[0] if texts else ""
    order = _compare(value, target)
    return {">": order > 0, ">=": order >= 0, "<": order < 0, "<=": order <= 0}[op]


def matches(values: Sequence[Any] | None, condition: Condition) -> bool:
    """Whether a field with ``values`` (all its values; None = no such field) passes."""
    if values is None:
        # Unknown filter fields are ignored by legacy list methods: the row passes. That is
        # the unkind behaviour on purpose: a client with a typo in a filter gets everything.
        return True
    texts = [_text(v) for v in values] or [""]
    negative = condition.op.startswith("!")
    if negative:
        return all(_matches_one(t, condition.op, condition.operand) for t in texts)
    return any(_matches_one(t, condition.op, condition.operand) for t in texts)


def sort_rows(rows: list[Any], order: Any, key_of: Callable[[Any, str], Any]) -> list[Any]:
    """Rows ordered by an ``order`` dict (``{"ID": "DESC"}``); by ID ascending otherwise."""
    pairs = order.items() if isinstance(order, dict) else []
    spec = [(str(k).upper(), str(v).upper()) for k, v in pairs]
    if not spec:
        spec = [("ID", "ASC")]
    result = list(rows)
    for field_name, direction in reversed(spec):

        def sort_key(row: Any, name: str = field_name) -> tuple[int, Decimal, str]:
            text = _text(key_of(row, name))
            number = _number(text)
            return (0, number, "") if number is not None else (1, Decimal(0), text)

        result.sort(key=sort_key, reverse=direction == "DESC")
    return result


@dataclass(frozen=True)
class Page:
    """One page of a list: the rows plus ``total`` and ``next`` as the envelope wants them."""

    rows: list[Any]
    total: int
    next: int | None


def paginate(rows: list[Any], start: Any) -> Page:
    """The page at ``start`` (50 rows); ``start=-1`` means no counting."""
    try:
        offset = int(start) if start not in (None, "") else 0
    except (TypeError, ValueError):
        offset = 0
    if offset == -1:
        return Page(rows[:PAGE_SIZE], 0, None)
    offset = max(offset, 0)
    page = rows[offset : offset + PAGE_SIZE]
    more = offset + PAGE_SIZE < len(rows)
    return Page(page, len(rows), offset + PAGE_SIZE if more else None)
