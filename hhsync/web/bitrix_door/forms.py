"""The body of a Bitrix24 POST: a bounded, strictly parsed ``application/x-www-form-urlencoded``
form, flat keys kept as sent (events use PHP brackets: ``auth[member_id]``).

The app page, the installer and the event handler all receive such forms (Bitrix24 REST docs,
settings/oauth/simple-way.md and api-reference/events). The size is already bounded by
:class:`hhsync.web.guard.RequestGuard`; here a body that is not UTF-8, has a field without
``=``, repeats a key or has too many fields is refused, so no later check meets an ambiguous form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final
from urllib.parse import parse_qsl

from starlette.requests import Request

from hhsync.web.bitrix_door.refusals import Refusal, bad_request

FORM_TYPE: Final = "application/x-www-form-urlencoded"
MAX_FIELDS: Final = 100
"""The largest Bitrix24 form (ONAPPINSTALL) has 16 fields."""


async def read_form(request: Request) -> dict[str, str]:
    """The request's form fields (an empty body is an empty form).

    Raises:
        Refusal: 415 for another content type, 400 for a malformed body.
    """
    body = await request.body()
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if not body and not media_type:
        return {}
    if media_type != FORM_TYPE:
        raise Refusal(415, "unsupported_media_type", media_type or "none")
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=bool(text),
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise bad_request("malformed_body", type(exc).__name__) from exc
    return unique_fields(pairs, "body")


def unique_fields(pairs: Iterable[tuple[str, str]], where: str) -> dict[str, str]:
    """The pairs as a dict; a repeated key is refused (which one would count is ambiguous)."""
    fields: dict[str, str] = {}
    for key, value in pairs:
        if key in fields:
            raise bad_request("repeated_field", f"{where}: {key[:40]}")
        fields[key] = value
    return fields


def section(form: Mapping[str, str], name: str) -> dict[str, str]:
    """The ``name[...]`` fields of an event form, keyed by what is inside the brackets."""
    prefix = f"{name}["
    return {
        key[len(prefix) : -1]: value
        for key, value in form.items()
        if key.startswith(prefix) and key.endswith("]") and "[" not in key[len(prefix) : -1]
    }
