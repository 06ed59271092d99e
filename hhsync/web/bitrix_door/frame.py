"""Step 1 of every app-page open: the shape of what the portal posted, before anything is asked.

Bitrix24 opens the app URL (and a placement's handler) in its frame with a POST: ``AUTH_ID``,
``REFRESH_ID``, ``SERVER_ENDPOINT``, ``member_id``, ``APPLICATION_TOKEN``, ``PLACEMENT``,
``PLACEMENT_OPTIONS`` in the body and ``DOMAIN``, ``PROTOCOL``, ``LANG``, ``APP_SID`` in the query
string (Bitrix24 REST docs, settings/oauth/simple-way.md, widgets/crm/list-toolbar.md). Nothing
posted is trusted yet: this only refuses what cannot be genuine (a ``DOMAIN`` that is not a plain
host, a ``member_id`` that is not 32 hex digits, ``PLACEMENT_OPTIONS`` that is not a JSON object,
a token with characters no token has), so a later step never puts such text into a URL, a header
or a query. Tokens are kept as :class:`~pydantic.SecretStr` from here on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from pydantic import SecretStr

from hhsync.model.hosts import is_host_port
from hhsync.web.bitrix_door.refusals import bad_request
from hhsync.web.request_numbers import ascii_decimal

MEMBER_ID: Final = re.compile(r"[0-9a-f]{32}")
TOKEN: Final = re.compile(r"[A-Za-z0-9._-]{16,512}")
APPLICATION_TOKEN: Final = re.compile(r"[A-Za-z0-9]{8,128}")
LANG: Final = re.compile(r"[a-z]{2}")
DEFAULT_AUTH_EXPIRES_S: Final = 3600
QUERY_FIELDS: Final = ("DOMAIN", "PROTOCOL", "LANG")
"""Sent in the query string; a form copy of one must agree with it."""


@dataclass(frozen=True)
class FramePost:
    """What an app-page (or installer) POST claims, in a shape safe to check further."""

    domain: str
    """``host`` or ``host:port``, lower case."""
    https: bool
    member_id: str
    auth_id: SecretStr
    server_endpoint: str
    """As posted; :mod:`.servers` decides whether it may be asked."""
    refresh_id: SecretStr | None = None
    application_token: SecretStr | None = None
    auth_expires_s: int = DEFAULT_AUTH_EXPIRES_S
    lang: str = "ru"
    placement: str = "DEFAULT"
    placement_options: dict[str, Any] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        """The portal page's origin, as the frame's ancestor: ``https://DOMAIN``."""
        return f"{'https' if self.https else 'http'}://{self.domain}"


def parse_frame(
    query: Mapping[str, str], form: Mapping[str, str], *, placements: frozenset[str]
) -> FramePost:
    """The checked shape of one app-page POST.

    Raises:
        Refusal: 400 naming the first field that cannot be genuine.
    """
    claimed = _merged(query, form)
    domain = claimed.get("DOMAIN", "").strip().lower()
    if not is_host_port(domain):
        raise bad_request("bad_domain")
    protocol = claimed.get("PROTOCOL", "1")
    if protocol not in {"0", "1"}:
        raise bad_request("bad_protocol")
    member_id = form.get("member_id", "")
    if not MEMBER_ID.fullmatch(member_id):
        raise bad_request("bad_member_id")
    placement = form.get("PLACEMENT", "DEFAULT") or "DEFAULT"
    if placement not in placements:
        raise bad_request("bad_placement", placement[:40])
    lang = claimed.get("LANG", "ru").lower()
    return FramePost(
        domain=domain,
        https=protocol == "1",
        member_id=member_id,
        auth_id=token_field(form, "AUTH_ID", required=True) or SecretStr(""),
        server_endpoint=form.get("SERVER_ENDPOINT", ""),
        refresh_id=token_field(form, "REFRESH_ID"),
        application_token=application_token(form.get("APPLICATION_TOKEN", "")),
        auth_expires_s=lifetime_s(form.get("AUTH_EXPIRES", "")),
        lang=lang if LANG.fullmatch(lang) else "ru",
        placement=placement,
        placement_options=placement_options(form.get("PLACEMENT_OPTIONS", "")),
    )


def _merged(query: Mapping[str, str], form: Mapping[str, str]) -> dict[str, str]:
    """The query's ``DOMAIN``/``PROTOCOL``/``LANG``, or the form's when the query lacks one."""
    merged = {}
    for name in QUERY_FIELDS:
        in_query, in_form = query.get(name), form.get(name)
        if in_query is not None and in_form is not None and in_query != in_form:
            raise bad_request("conflicting_field", name)
        value = in_query if in_query is not None else in_form
        if value is not None:
            merged[name] = value
    return merged


def token_field(
    fields: Mapping[str, str], name: str, *, required: bool = False
) -> SecretStr | None:
    """A token field as a secret; one with characters no token has is refused."""
    value = fields.get(name, "")
    if not value:
        if required:
            raise bad_request("missing_token", name)
        return None
    if not TOKEN.fullmatch(value):
        raise bad_request("bad_token", name)
    return SecretStr(value)


def application_token(value: str) -> SecretStr | None:
    """``APPLICATION_TOKEN`` (older portals omit it: then None)."""
    if not value:
        return None
    if not APPLICATION_TOKEN.fullmatch(value):
        raise bad_request("bad_application_token")
    return SecretStr(value)


def lifetime_s(value: str) -> int:
    """``AUTH_EXPIRES``/``expires_in``: seconds, at most an hour (the documented lifetime)."""
    if not value:
        return DEFAULT_AUTH_EXPIRES_S
    seconds = ascii_decimal(value, max_digits=6)
    if seconds is None or not 0 < seconds <= 86400:
        raise bad_request("bad_auth_expires")
    return min(seconds, DEFAULT_AUTH_EXPIRES_S)


def placement_options(value: str) -> dict[str, Any]:
    """``PLACEMENT_OPTIONS``: a JSON object (empty when absent)."""
    if not value:
        return {}
    try:
        parsed = json.loads(value)
    except (ValueError, RecursionError) as exc:  # deep nesting ends in RecursionError
        raise bad_request("bad_placement_options") from exc
    if not isinstance(parsed, dict):
        raise bad_request("bad_placement_options")
    return parsed
