"""The middleware every answer passes: bounded bodies and security headers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from hhsync.web.guard import RequestGuard

LIMIT = 2048


async def echo(request: Request) -> Response:
    return PlainTextResponse(str(len(await request.body())))


async def framed(_request: Request) -> Response:
    return PlainTextResponse("ok", headers={"Content-Security-Policy": "frame-ancestors https://p"})


def client() -> httpx.AsyncClient:
    app = Starlette(
        routes=[
            Route("/echo", echo, methods=["POST"]),
            Route("/framed", framed, methods=["GET"]),
        ],
        middleware=[Middleware(RequestGuard, max_body_bytes=LIMIT)],
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_a_body_within_the_limit_reaches_the_route_whole() -> None:
    async with client() as http:
        response = await http.post("/echo", content=b"x" * LIMIT)
    assert response.text == str(LIMIT)


async def test_a_declared_body_over_the_limit_is_refused_before_the_route() -> None:
    async with client() as http:
        response = await http.post("/echo", content=b"x" * (LIMIT + 1))
    assert response.status_code == 413
    assert response.json() == {"error": "request body too large"}
    assert response.headers["x-frame-options"] == "DENY"


async def test_a_streamed_body_over_the_limit_is_refused_too() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 512

    async with client() as http:
        response = await http.post("/echo", content=chunks())
    assert response.status_code == 413


async def test_every_answer_refuses_framing_and_sniffing_by_default() -> None:
    async with client() as http:
        for response in (await http.post("/echo", content=b""), await http.get("/nowhere")):
            assert response.headers["x-frame-options"] == "DENY"
            assert response.headers["content-security-policy"].startswith("frame-ancestors 'none'")
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "no-referrer"


async def test_a_route_that_names_its_frame_ancestor_keeps_it_and_gets_no_frame_denial() -> None:
    async with client() as http:
        response = await http.get("/framed")
    assert response.headers["content-security-policy"] == "frame-ancestors https://p"
    assert "x-frame-options" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"
