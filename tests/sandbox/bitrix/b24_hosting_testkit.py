"""Helpers for the tests of the portal hosting the application: the host page as a browser would
read it, the frame command endpoint, and a stand-in handler that records the events it gets."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


@dataclass
class HostPage:
    """What a portal page hosting the application holds: the form, the iframe, the host config."""

    action: str = ""
    target: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    frame_name: str | None = None
    host: dict[str, Any] = field(default_factory=dict)

    @property
    def query(self) -> dict[str, str]:
        """The query string of the frame's URL."""
        return {k: v[0] for k, v in parse_qs(urlsplit(self.action).query).items()}

    @property
    def frame_url(self) -> str:
        """The frame's URL without its query string."""
        url = urlsplit(self.action)
        return f"{url.scheme}://{url.netloc}{url.path}"

    @property
    def sid(self) -> str:
        """The frame session's ``APP_SID``."""
        return str(self.host["sid"])


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.page = HostPage()
        self._in_host = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form" and values.get("id") == "b24-app-form":
            self.page.action, self.page.target = values["action"], values.get("target", "")
        if tag == "input" and values.get("type") == "hidden":
            self.page.fields[values["name"]] = values["value"]
        if tag == "iframe" and values.get("id") == "b24-app-frame":
            self.page.frame_name = values.get("name")
        self._in_host = tag == "script" and values.get("id") == "b24-host"

    def handle_data(self, data: str) -> None:
        if self._in_host:
            self.page.host = json.loads(data)
            self._in_host = False


def read_host_page(html: str) -> HostPage:
    """Parse a page of ``/_sandbox/portal/{domain}/app``."""
    reader = _Reader()
    reader.feed(html)
    return reader.page


async def command(
    client: httpx.AsyncClient, sid: str, name: str, params: Any = None
) -> dict[str, Any]:
    """Forward one frame command as the parent script does; the sandbox's reply."""
    response = await client.post(
        f"/_sandbox/frames/{sid}/commands", json={"command": name, "params": params}
    )
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = response.json()
    return reply


def event_receiver() -> tuple[Starlette, list[dict[str, str]]]:
    """A stand-in application handler recording every event the portal POSTs to ``/events``."""
    received: list[dict[str, str]] = []

    async def handler(request: Request) -> PlainTextResponse:
        form = await request.form()
        received.append({k: str(v) for k, v in form.items()})
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/events", handler, methods=["POST"])]), received


def as_browser(sandbox_url: str, domain: str) -> httpx.AsyncClient:
    """A client that reaches the sandbox the way a browser reaches ``http://{domain}``."""
    return httpx.AsyncClient(base_url=sandbox_url, headers={"Host": domain})
