"""PURE: build ``batch`` payloads and split the batch envelope into per-command outcomes.

Bitrix24 runs up to 50 commands in one request (one unit of the rate limit), sequentially, and
lets a later command use an earlier result through ``$result[key][field]`` (Bitrix24 REST docs,
settings/how-to-call-rest-api/batch.md). Each command travels as ``"method?query"`` with the query
in PHP ``http_build_query`` form, so nested arrays, multifields and ``fileData`` must be encoded
the way PHP parses them back (Bitrix24 REST docs, settings/how-to-call-rest-api/data-encoding.md).

The envelope has five members (``result``, ``result_error``, ``result_total``, ``result_next``,
``result_time``); PHP sends each as a JSON *array* when it is empty or when its keys are exactly
``0..n-1``. :func:`keyed` undoes that, so parsing never depends on which form arrived.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote

from hhsync.bitrix.errors import BitrixError, classify

MAX_COMMANDS: Final = 50
_KEY: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_REFERENCE: Final = re.compile(r"\$result\[([^\]]+)\]")
_REFERENCE_PATH: Final = re.compile(r"\$result(?:\[[A-Za-z0-9_]+\])+")
_BASE64_LIKE: Final = re.compile(r"[A-Za-z0-9_.~+/=-]*")
"""Text ``quote`` leaves as it is but for ``+``, ``/`` and ``=``: a file's Base64 (``fileData``)."""


# --- PHP-style parameter encoding --------------------------------------------------------------


def _scalar(value: Any) -> str:
    # Bitrix24's legacy fields read Y/N; "True"/"None" would be stored as text (the
    # fast_bitrix24 client once sent "None" this way).
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    return str(value)


def flatten_params(params: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Params as PHP bracket pairs: ``{"f": {"PHONE": [{"VALUE": 1}]}}`` → ``f[PHONE][0][VALUE]``.

    Empty lists and dicts become ``key[]=`` so PHP still sees the key (Bitrix24 REST docs).
    """
    pairs: list[tuple[str, str]] = []
    for raw_key, value in params.items():
        key = f"{prefix}[{raw_key}]" if prefix else str(raw_key)
        pairs.extend(_flatten_value(key, value))
    return pairs


def _flatten_value(key: str, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, Mapping):
        return flatten_params(value, key) if value else [(f"{key}[]", "")]
    if isinstance(value, list | tuple):
        if not value:
            return [(f"{key}[]", "")]
        return flatten_params({str(i): v for i, v in enumerate(value)}, key)
    return [(key, _scalar(value))]


def encode_query(params: Mapping[str, Any]) -> str:
    """The ``http_build_query`` string for ``params`` (brackets kept readable, values escaped).

    ``$result[...]`` references are left unescaped so that the portal can substitute them.
    """
    return "&".join(
        f"{quote(key, safe='[]_-.')}={_encode_value(value)}"
        for key, value in flatten_params(params)
    )


def _encode_value(value: str) -> str:
    # The portal substitutes references in the raw command text, so they must stay verbatim.
    out: list[str] = []
    last = 0
    for match in _REFERENCE_PATH.finditer(value):
        out.append(_quote(value[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_quote(value[last:]))
    return "".join(out)


def _quote(text: str) -> str:
    """``quote(text, safe="-_.")``; a resume PDF's Base64 (hundreds of KB) is escaped in one
    pass instead of character by character, with the same result."""
    if _BASE64_LIKE.fullmatch(text):
        return text.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    return quote(text, safe="-_.")


def result_ref(key: str, *path: str | int) -> str:
    """A ``$result[key][path]...`` placeholder for a later command (e.g. an earlier add's id)."""
    return f"$result[{key}]" + "".join(f"[{p}]" for p in path)


# --- Building ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """One REST call inside a batch; ``params`` is the same mapping a single call would send."""

    method: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def encode(self) -> str:
        """``method?query`` as the batch ``cmd`` member expects it."""
        query = encode_query(self.params)
        return f"{self.method}?{query}" if query else self.method

    def references(self) -> set[str]:
        """Keys of earlier commands this one refers to through ``$result[...]``."""
        found: set[str] = set()
        for _, value in flatten_params(self.params):
            found.update(_REFERENCE.findall(value))
        return found


def command_key(index: int) -> str:
    """A non-numeric key: numeric keys make PHP answer JSON arrays that lose the key.

    Observed in the real answers recorded by the fast_bitrix24 client's tests.
    """
    return f"c{index:04d}"


def build_batch(commands: Mapping[str, Command], *, halt: bool = False) -> dict[str, Any]:
    """The JSON body of one ``batch`` call; refuses what the portal would refuse or misread.

    Raises ValueError for more than 50 commands, numeric or odd keys, or a ``$result[...]`` that
    points to a command not placed before it in the same batch.
    """
    if not commands:
        raise ValueError("a batch needs at least one command")
    if len(commands) > MAX_COMMANDS:
        raise ValueError(f"a batch holds at most {MAX_COMMANDS} commands, got {len(commands)}")
    seen: set[str] = set()
    cmd: dict[str, str] = {}
    for key, command in commands.items():
        if not _KEY.match(key):
            raise ValueError(f"batch key {key!r} must be a letter/underscore then [A-Za-z0-9_]")
        if command.method == "batch":
            raise ValueError("a batch cannot contain a batch (ERROR_BATCH_METHOD_NOT_ALLOWED)")
        missing = command.references() - seen
        if missing:
            raise ValueError(
                f"command {key!r} refers to {sorted(missing)} which does not run before it "
                "in the same batch"
            )
        seen.add(key)
        cmd[key] = command.encode()
    # `halt` as 0/1: the documented form, unambiguous in JSON and form bodies alike.
    return {"halt": 1 if halt else 0, "cmd": cmd}


def split_commands(
    commands: Sequence[Command], size: int = MAX_COMMANDS
) -> Iterator[dict[str, Command]]:
    """Independent commands keyed ``c0000…`` in chunks of ``size`` (one batch each)."""
    if not 1 <= size <= MAX_COMMANDS:
        raise ValueError(f"batch size must be 1..{MAX_COMMANDS}")
    for start in range(0, len(commands), size):
        chunk = commands[start : start + size]
        if any(c.references() for c in chunk):
            raise ValueError("split_commands takes independent commands; chain inside one batch")
        yield {command_key(start + i): c for i, c in enumerate(chunk)}


# --- Parsing -----------------------------------------------------------------------------------


def keyed(member: Any) -> dict[str, Any]:
    """One envelope member as a dict: a PHP list means keys ``0..n-1``; ``[]`` means empty."""
    if isinstance(member, Mapping):
        return {str(k): v for k, v in member.items()}
    if isinstance(member, list):
        return {str(i): v for i, v in enumerate(member)}
    return {}


@dataclass(frozen=True)
class CommandResult:
    """What one command returned: its ``result``, list ``total``/``next`` and ``time`` block."""

    key: str
    method: str
    result: Any
    total: int | None = None
    next: int | None = None
    time: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class CommandFailed:
    """A command the portal refused; ``error`` is classified like a single call's error."""

    key: str
    method: str
    error: BitrixError


@dataclass(frozen=True)
class CommandNotRun:
    """A command with neither result nor error: ``halt=1`` stopped the batch before it."""

    key: str
    method: str


Outcome = CommandResult | CommandFailed | CommandNotRun


@dataclass(frozen=True)
class BatchResult:
    """Per-command outcomes of one batch, in the order the commands were sent."""

    outcomes: dict[str, Outcome]
    time: Mapping[str, Any] | None = None

    def __getitem__(self, key: str) -> Outcome:
        return self.outcomes[key]

    def results(self) -> dict[str, CommandResult]:
        """Only the successful commands."""
        return {k: o for k, o in self.outcomes.items() if isinstance(o, CommandResult)}

    def errors(self) -> dict[str, CommandFailed]:
        """Only the refused commands."""
        return {k: o for k, o in self.outcomes.items() if isinstance(o, CommandFailed)}


def _optional_int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def parse_batch(envelope: Any, commands: Mapping[str, Command]) -> BatchResult:
    """Split a batch answer into one outcome per sent command.

    Raises ValueError when the answer is not a batch envelope at all.
    """
    if not isinstance(envelope, Mapping) or not isinstance(envelope.get("result"), Mapping):
        raise ValueError("batch answer has no result object")
    body = envelope["result"]
    results = keyed(body.get("result"))
    errors = keyed(body.get("result_error"))
    totals = keyed(body.get("result_total"))
    nexts = keyed(body.get("result_next"))
    times = keyed(body.get("result_time"))
    outcomes: dict[str, Outcome] = {}
    for key, command in commands.items():
        if key in errors:
            raw = errors[key]
            outcomes[key] = CommandFailed(
                key,
                command.method,
                classify(400, raw if isinstance(raw, Mapping) else None, method=command.method),
            )
        elif key in results:
            outcomes[key] = CommandResult(
                key,
                command.method,
                results[key],
                _optional_int(totals.get(key)),
                _optional_int(nexts.get(key)),
                times.get(key),
            )
        else:
            outcomes[key] = CommandNotRun(key, command.method)
    time = envelope.get("time")
    return BatchResult(outcomes, time if isinstance(time, Mapping) else None)


def methods_of(commands: Iterable[Command]) -> set[str]:
    """The distinct methods of a batch (each has its own operating-time budget, per limits.md)."""
    return {c.method for c in commands}
