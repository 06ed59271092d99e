"""Helpers of the authorize-page tests: the URL, landing on a page, reading the answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from hhsync.testing.hh_browser import HhBrowser
from hhsync.testing.html_page import Page

REGISTERED = "http://127.0.0.1:8080/oauth/hh/callback"
APPLICANT_EMAIL = "applicant60000000@example.com"  # the first generated resume's owner


def authorize_url(**params: str) -> str:
    query = {"response_type": "code", "client_id": "hhsync-demo", "state": "s-1", **params}
    return f"/oauth/authorize?{urlencode(query)}"


async def page_at(browser: HhBrowser, url: str) -> Page:
    landed = await browser.open(url)
    assert isinstance(landed, Page), landed.headers.get("location")
    return landed


def answer_of(redirect: httpx.Response) -> dict[str, list[str]]:
    assert redirect.status_code == 302, redirect.text
    location = urlsplit(redirect.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REGISTERED
    return parse_qs(location.query, keep_blank_values=True)


async def exchange(client: httpx.AsyncClient, code: str) -> httpx.Response:
    return await client.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "client_id": "hhsync-demo",
            "client_secret": "hhsync-demo-secret",
            "code": code,
            "redirect_uri": REGISTERED,
        },
    )


@asynccontextmanager
async def another_browser(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hh.test") as http:
        yield http
