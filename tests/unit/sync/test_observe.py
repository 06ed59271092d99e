"""Traffic observation for /metrics: statuses, missing answers and Bitrix24 error codes."""

from __future__ import annotations

import httpx
import pytest

from hhsync.metrics import Metrics
from hhsync.sync.observe import (
    ObservedTransport,
    bitrix_error_hook,
    bitrix_observer,
    error_codes,
    hh_observer,
)


def test_error_codes_of_envelopes_batches_and_bare_http_errors() -> None:
    assert error_codes(401, b'{"error":"expired_token","error_description":"x"}') == [
        "expired_token"
    ]
    batch = (
        b'{"result":{"result":{"a":1},"result_error":{"b":{"error":"","error_description":'
        b'"Required field"},"c":{"error":"ACCESS_DENIED"}}}}'
    )
    assert error_codes(200, batch) == ["unknown", "ACCESS_DENIED"]
    assert error_codes(200, b'{"result":{"result":{"a":1},"result_error":[]}}') == []
    assert error_codes(502, b"<html>Bad Gateway</html>") == ["http_502"]
    assert error_codes(200, b"not json") == []


async def test_transport_counts_answers_and_missing_ones() -> None:
    metrics = Metrics()

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/down":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(404 if request.url.path == "/missing" else 200, json={})

    transport = ObservedTransport(httpx.MockTransport(answer), hh_observer(metrics))
    async with httpx.AsyncClient(transport=transport, base_url="http://hh.test") as client:
        await client.get("/ok")
        await client.get("/missing")
        with pytest.raises(httpx.ConnectError):
            await client.get("/down")
    text = metrics.render().decode()
    assert 'hhsync_hh_requests_total{status_code="200"} 1.0' in text
    assert 'hhsync_hh_requests_total{status_code="404"} 1.0' in text
    assert 'hhsync_hh_errors_total{status_code="404"} 1.0' in text
    assert 'hhsync_hh_errors_total{status_code="none"} 1.0' in text


async def test_bitrix_hook_counts_codes_inside_a_batch_answer() -> None:
    metrics = Metrics()

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/batch"):
            return httpx.Response(
                200,
                json={"result": {"result": {}, "result_error": {"e0": {"error": "BAD_FIELD"}}}},
            )
        return httpx.Response(503, json={"error": "QUERY_LIMIT_EXCEEDED"})

    transport = ObservedTransport(httpx.MockTransport(answer), bitrix_observer(metrics))
    async with httpx.AsyncClient(
        transport=transport, event_hooks={"response": [bitrix_error_hook(metrics)]}
    ) as client:
        await client.post("https://b24.test/rest/batch")
        await client.post("https://b24.test/rest/crm.lead.add")
    text = metrics.render().decode()
    assert 'hhsync_bitrix_errors_total{code="BAD_FIELD"} 1.0' in text
    assert 'hhsync_bitrix_errors_total{code="QUERY_LIMIT_EXCEEDED"} 1.0' in text
    assert 'hhsync_bitrix_requests_total{status_code="503"} 1.0' in text
