"""Helpers for the Bitrix24 sandbox tests: a portal handle that calls REST like a client would."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from hhsync.clock import FrozenClock
from hhsync.sandbox.bitrix.rest import BitrixSandbox

EXAMPLES = Path(__file__).parent / "b24_examples"


def example(name: str) -> Any:
    """A documented payload from ``b24_examples/`` (verbatim copies of the reference)."""
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


@dataclass
class PortalHandle:
    """An installed sandbox portal seen from a client: tokens, endpoints and a call helper."""

    client: httpx.AsyncClient
    sandbox: BitrixSandbox
    clock: FrozenClock
    info: dict[str, Any]

    @property
    def domain(self) -> str:
        """The portal's domain."""
        return str(self.info["domain"])

    @property
    def endpoint(self) -> str:
        """``client_endpoint`` (ends in ``/rest/``)."""
        return str(self.info["client_endpoint"])

    @property
    def token(self) -> str:
        """The current access token."""
        return str(self.info["access_token"])

    async def call(
        self, method: str, params: dict[str, Any] | None = None, token: str | None = None
    ) -> httpx.Response:
        """POST a JSON body to ``client_endpoint + method.json`` with ``auth``."""
        body = {"auth": token or self.token, **(params or {})}
        return await self.client.post(f"{self.endpoint}{method}.json", json=body)

    async def ok(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """Call and return ``result``, failing the test on any error."""
        response = await self.call(method, params)
        assert response.status_code == 200, response.text
        return response.json()["result"]

    async def admin(
        self, path: str, body: dict[str, Any] | None = None, method: str = "POST"
    ) -> Any:
        """Call the admin API of this portal."""
        response = await self.client.request(
            method, f"/_sandbox/portals/{self.domain}{path}", json=body
        )
        assert response.status_code == 200, response.text
        return response.json()


def shape_errors(example_value: Any, actual: Any, path: str = "$") -> list[str]:
    """Where ``actual`` differs in shape from a documented ``example_value``.

    Dict keys of the example must exist in ``actual`` with a value of the same JSON type
    (``null`` in the example matches anything, numbers match numbers); lists compare their
    first elements.
    """
    if example_value is None:
        return []
    if isinstance(example_value, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected object, got {type(actual).__name__}"]
        errors = []
        for key, value in example_value.items():
            if key not in actual:
                errors.append(f"{path}.{key}: missing")
            else:
                errors.extend(shape_errors(value, actual[key], f"{path}.{key}"))
        return errors
    if isinstance(example_value, list):
        if not isinstance(actual, list):
            return [f"{path}: expected array, got {type(actual).__name__}"]
        if example_value and actual:
            return shape_errors(example_value[0], actual[0], f"{path}[0]")
        return []
    if isinstance(example_value, bool):
        return [] if isinstance(actual, bool) else [f"{path}: expected bool, got {actual!r}"]
    if isinstance(example_value, (int, float)):
        ok = isinstance(actual, (int, float)) and not isinstance(actual, bool)
        if (
            isinstance(example_value, int)
            and not isinstance(example_value, bool)
            and isinstance(actual, float)
            and not float(actual).is_integer()
        ):
            ok = "time" in path  # time members are floats in some examples, ints in others
        return [] if ok else [f"{path}: expected number, got {actual!r}"]
    if isinstance(example_value, str):
        return [] if isinstance(actual, str) else [f"{path}: expected string, got {actual!r}"]
    return []
