"""``batch``: up to 50 commands run in order, ``$result[...]`` references, ``halt``, the envelope.

Facts (Bitrix24 REST docs, settings/how-to-call-rest-api/batch.md): commands are
``"method?php_query"`` strings keyed by name; they run sequentially; a reference to an earlier
result is replaced by its value, and when that command failed the placeholder stays as literal
text; ``halt=1`` stops at the first failure (earlier successes stay, later commands appear
nowhere); the answer is HTTP 200 with ``result``, ``result_error``, ``result_total``,
``result_next``, ``result_time``, each ``[]`` when empty and a JSON list when its keys are
``0..n-1`` (PHP). More than 50 commands fail as a whole with 400 ``ERROR_BATCH_LENGTH_EXCEEDED``
before anything runs: the docs are ambiguous and this is stricter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hhsync.sandbox.bitrix.envelope import CallTime, MethodResult, RestError
from hhsync.sandbox.bitrix.params import parse_query_string, php_array

_REFERENCE = re.compile(r"\$result\[([^\]]*)\]((?:\[[^\]]*\])*)")
_SEGMENTS = re.compile(r"\[([^\]]*)\]")


@dataclass(frozen=True)
class Command:
    """One parsed batch command."""

    key: str
    method: str
    params: dict[str, Any]


def parse_commands(cmd: Any) -> list[tuple[str, str]]:
    """``(key, "method?query")`` pairs from the ``cmd`` parameter (object or list)."""
    if isinstance(cmd, list):
        return [(str(i), str(v)) for i, v in enumerate(cmd)]
    if isinstance(cmd, dict):
        return [(str(k), str(v)) for k, v in cmd.items()]
    return []


def split_command(text: str) -> tuple[str, str]:
    """``"crm.lead.get?id=1"`` → ``("crm.lead.get", "id=1")``."""
    method, _, query = text.partition("?")
    return method.strip(), query


def _resolve(results: dict[str, Any], key: str, path: str) -> Any:
    if key not in results:
        return None
    value = results[key]
    for segment in _SEGMENTS.findall(path):
        if isinstance(value, dict) and segment in value:
            value = value[segment]
        elif isinstance(value, list) and segment.isdigit() and int(segment) < len(value):
            value = value[int(segment)]
        else:
            return None
    return value


def _as_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, (str, int, float)):
        return str(value)
    return None  # arrays are not substituted


def substitute(value: Any, results: dict[str, Any]) -> Any:
    """Replace ``$result[key][path]`` in every string; unresolved references stay as text."""
    if isinstance(value, dict):
        return {k: substitute(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, results) for v in value]
    if not isinstance(value, str) or "$result[" not in value:
        return value

    def replace(match: re.Match[str]) -> str:
        resolved = _as_text(_resolve(results, match.group(1), match.group(2)))
        return match.group(0) if resolved is None else resolved

    return _REFERENCE.sub(replace, value)


RunCommand = Callable[[str, dict[str, Any], float], tuple[MethodResult | RestError, CallTime]]


@dataclass
class BatchOutcome:
    """The five members of a batch result, keyed by command."""

    result: dict[str, Any] = field(default_factory=dict)
    result_error: dict[str, Any] = field(default_factory=dict)
    result_total: dict[str, Any] = field(default_factory=dict)
    result_next: dict[str, Any] = field(default_factory=dict)
    result_time: dict[str, Any] = field(default_factory=dict)
    elapsed_s: float = 0.0

    def envelope(self) -> dict[str, Any]:
        """The ``result`` object of the HTTP response, with PHP's list/object rules."""
        return {
            "result": php_array(self.result),
            "result_error": php_array(self.result_error),
            "result_total": php_array(self.result_total),
            "result_next": php_array(self.result_next),
            "result_time": php_array(self.result_time),
        }


def run_batch(
    commands: list[tuple[str, str]],
    halt: bool,
    start: float,
    run: RunCommand,
    time_block: Callable[[CallTime], dict[str, Any]],
    max_commands: int,
) -> BatchOutcome:
    """Execute ``commands`` in order through ``run(method, params, start_s)``."""
    if len(commands) > max_commands:
        raise RestError("ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded", 400)
    outcome = BatchOutcome()
    clock = start
    for key, text in commands:
        method, query = split_command(text)
        params = substitute(parse_query_string(query), outcome.result)
        if method.lower() == "batch":
            result: MethodResult | RestError = RestError(
                "ERROR_BATCH_METHOD_NOT_ALLOWED", "Method is not allowed for batch usage", 405
            )
            call = CallTime(clock, 0.0)
        else:
            result, call = run(method, params, clock)
        clock = call.start + call.cost_s
        if isinstance(result, RestError):
            outcome.result_error[key] = {
                "error": result.code,
                "error_description": result.description,
            }
            if halt:
                break
            continue
        outcome.result[key] = result.result
        if result.total is not None:
            outcome.result_total[key] = result.total
        if result.next is not None:
            outcome.result_next[key] = result.next
        outcome.result_time[key] = time_block(call)
    outcome.elapsed_s = clock - start
    return outcome
