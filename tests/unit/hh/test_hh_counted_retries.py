"""Which failures of a resume open the hh.ru client repeats, against an HTTP stand-in for hh.ru.

hh.ru counts every open of a resume, its PDF download included, against the manager's daily views
(hh.ru's terms quoted in hhru/api #855), also an open it then answers 5xx. A counted request is
repeated only where hh.ru cannot have counted it: a 429 (hh.ru OpenAPI spec: refused for the
request rate, before the work) or a connection never made. Other reads keep their retries.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from hhsync.clock import FrozenClock
from hhsync.hh.budget import RequestBudget
from hhsync.hh.client import HhClient, RetryPolicy
from hhsync.hh.errors import NetworkError, ServerError

RESUME = "/resumes/r1?topic_id=7"
PDF = "/resumes/r1/download/cv.pdf?type=pdf&topic_id=7"

Answer = Callable[[httpx.Request], httpx.Response]


def _client(answers: list[Answer]) -> tuple[HhClient, list[str]]:
    clock = FrozenClock()
    asked: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return answers.pop(0)(request)

    async def no_wait(seconds: float) -> None:
        clock.advance(seconds)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handle), base_url="https://api.hh.ru")
    budget = RequestBudget(100, burst=100, clock=clock, sleep=no_wait)
    retry = RetryPolicy(attempts=4, first_wait_s=0.01, max_wait_s=0.01)
    client = HhClient(http, auth=None, budget=budget, account_key="a", retry=retry, sleep=no_wait)
    return client, asked


def status(code: int, body: bytes = b"") -> Answer:
    return lambda _request: httpx.Response(code, content=body)


def broken(error: type[httpx.TransportError]) -> Answer:
    def answer(request: httpx.Request) -> httpx.Response:
        raise error("boom", request=request)

    return answer


def resume_body() -> Answer:
    return lambda _request: httpx.Response(200, json={"id": "r1"})


@pytest.mark.parametrize(
    "failure",
    [status(500), status(502, b"<html>502 Bad Gateway</html>"), broken(httpx.ReadError)],
    ids=["500", "html-502", "read-error"],
)
async def test_a_resume_open_that_may_have_been_counted_is_not_repeated(failure: Answer) -> None:
    client, asked = _client([failure, resume_body()])
    with pytest.raises((ServerError, NetworkError)):
        await client.resume(RESUME)
    assert asked == ["/resumes/r1"]  # one open, one view at most


async def test_a_pdf_download_that_may_have_been_counted_is_not_repeated() -> None:
    client, asked = _client([status(500), status(200, b"%PDF-1.4")])
    with pytest.raises(ServerError):
        await client.resume_pdf(PDF)
    assert len(asked) == 1


@pytest.mark.parametrize(
    "failure", [status(429), broken(httpx.ConnectError)], ids=["429", "connect-error"]
)
async def test_a_resume_open_hh_ru_cannot_have_counted_is_repeated(failure: Answer) -> None:
    client, asked = _client([failure, resume_body()])
    assert (await client.resume(RESUME)).id == "r1"
    assert asked == ["/resumes/r1", "/resumes/r1"]


async def test_other_reads_keep_their_retries() -> None:
    client, asked = _client([status(500), status(502), lambda _r: httpx.Response(200, json={})])
    with pytest.raises(Exception, match="does not fit"):
        await client.negotiation("5")
    assert asked == ["/negotiations/5"] * 3
