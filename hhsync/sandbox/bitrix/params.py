"""Request parameters the way Bitrix24's PHP front end sees them, and PHP-style JSON output.

Bitrix24 accepts the same parameters as a PHP query string (``fields[PHONE][0][VALUE]=…``), a form
or multipart body with the same bracketed keys, or a JSON body. PHP turns all of these into nested
arrays; we turn them into nested dicts and then into lists wherever the keys are exactly ``0..n-1``
(PHP does not distinguish the two, and JSON bodies send real lists). On output, PHP's
``json_encode`` writes an array with keys ``0..n-1`` as a JSON list and an empty array as ``[]``:
:func:`php_array` reproduces that for the batch envelope.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


def split_php_key(key: str) -> list[str]:
    """``a[b][][c]`` → ``["a", "b", "", "c"]`` (an empty segment means "append")."""
    first = key.find("[")
    if first <= 0:
        return [key]
    head, rest = key[:first], key[first:]
    segments = [head]
    position = 0
    for match in _SEGMENT.finditer(rest):
        if match.start() != position:
            break  # PHP stops at the first malformed bracket and keeps what it parsed
        segments.append(match.group(1))
        position = match.end()
    return segments


def _next_index(node: dict[str, Any]) -> str:
    numeric = [int(k) for k in node if k.lstrip("-").isdigit()]
    return str(max(numeric) + 1 if numeric else 0)


def parse_php_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Nested parameters from ``(key, value)`` pairs with PHP bracket keys; later keys win."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        segments = split_php_key(key)
        node = root
        for index, segment in enumerate(segments):
            name = segment if segment != "" else _next_index(node)
            if index == len(segments) - 1:
                node[name] = value
                break
            child = node.get(name)
            if not isinstance(child, dict):
                child = {}
                node[name] = child
            node = child
    result = listify(root)
    # a root made only of numeric keys ("0=a&1=b") is not a parameter set PHP methods understand
    return result if isinstance(result, dict) else {}


def listify(value: Any) -> Any:
    """Turn dicts keyed exactly ``"0".."n-1"`` into lists, recursively (PHP arrays → JSON lists)."""
    if isinstance(value, dict):
        converted = {str(k): listify(v) for k, v in value.items()}
        if converted and all(k.isdigit() for k in converted):
            keys = sorted(int(k) for k in converted)
            if keys == list(range(len(keys))):
                return [converted[str(k)] for k in keys]
        return converted
    if isinstance(value, list):
        return [listify(v) for v in value]
    return value


def parse_query_string(query: str) -> dict[str, Any]:
    """Parse a PHP ``http_build_query`` string (``+`` and ``%20`` are spaces, ``%26`` is ``&``)."""
    return parse_php_pairs(parse_qsl(query, keep_blank_values=True))


def merge_params(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Query-string parameters overridden by body parameters, as PHP's ``$_REQUEST`` would be."""
    merged = dict(base)
    merged.update(override)
    return merged


def php_array(entries: Mapping[str, Any]) -> dict[str, Any] | list[Any]:
    """What PHP ``json_encode`` writes for an array: a list when keys are ``0..n-1`` (or empty)."""
    keys = list(entries)
    if keys == [str(i) for i in range(len(keys))]:
        return [entries[k] for k in keys]
    return dict(entries)


def flag(value: Any, default: bool = False) -> bool:
    """A Bitrix24 boolean-ish parameter: ``Y``/``N``, ``1``/``0``, ``true``/``false``."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"y", "1", "true", "yes"}


def as_int(value: Any) -> int | None:
    """An integer parameter, or None when it is missing or not a whole number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def lower_keys(params: Mapping[str, Any]) -> dict[str, Any]:
    """Top-level parameter names are case-insensitive in most legacy methods (``ID`` = ``id``)."""
    return {k.lower(): v for k, v in params.items()}
