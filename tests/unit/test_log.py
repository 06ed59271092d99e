"""Logging: JSON lines off a TTY, bound context on every line, secrets never printed."""

from __future__ import annotations

import io
import json
import logging

import structlog
from pydantic import SecretStr

from hhsync.config import LogFormat
from hhsync.log import REDACTED, bound, configure, get_logger


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_json_lines_carry_bound_context() -> None:
    out = io.StringIO()
    configure("info", LogFormat.AUTO, stream=out)  # StringIO is not a TTY: JSON
    log = get_logger("test")
    with bound(portal=7, account=3, vacancy="93353083"):
        log.info("sync.vacancy_read", negotiations=12)
    log.info("outside")
    first, second = lines(out)
    assert first["event"] == "sync.vacancy_read"
    assert (first["portal"], first["account"], first["vacancy"]) == (7, 3, "93353083")
    assert first["level"] == "info"
    assert "timestamp" in first
    assert "portal" not in second


def test_secrets_are_redacted_by_key_type_and_in_text() -> None:
    out = io.StringIO()
    configure("debug", LogFormat.JSON, stream=out)
    get_logger().info(
        "oauth.refreshed",
        access_token="AT-very-secret-1",
        client_secret=SecretStr("CS-very-secret-2"),
        payload={"refresh_token": "RT-very-secret-3", "ok": 1},
        note="GET /rest/crm.lead.add.json?auth=AUTHvery-secret-4 failed",
        header="Bearer BEARERvery-secret-5",
        maybe=SecretStr("SS-very-secret-6"),
    )
    raw = out.getvalue()
    for secret in ("AT-very", "CS-very", "RT-very", "AUTHvery", "BEARERvery", "SS-very"):
        assert secret not in raw
    (line,) = lines(out)
    assert line["access_token"] == REDACTED
    assert line["payload"] == {"refresh_token": REDACTED, "ok": 1}
    assert line["maybe"] == REDACTED


def test_level_filters_and_stdlib_loggers_share_the_format() -> None:
    out = io.StringIO()
    configure("warning", LogFormat.JSON, stream=out)
    get_logger().info("hidden")
    get_logger().warning("shown")
    logging.getLogger("uvicorn.error").warning("library says token=abcdefgh12345678")
    events = lines(out)
    assert next(e["event"] for e in events) == "shown"
    assert events[1]["event"] == f"library says token={REDACTED}"


def test_console_renderer_on_request() -> None:
    out = io.StringIO()
    configure("info", LogFormat.CONSOLE, stream=out)
    get_logger().info("hello.world", answer=42)
    text = out.getvalue()
    assert "hello.world" in text
    assert "answer" in text
    assert not text.lstrip().startswith("{")


def test_a_logger_made_at_import_follows_the_later_configuration() -> None:
    structlog.reset_defaults()
    early = get_logger("hhsync.early")  # what a module does at import, before any configure()
    first, second = io.StringIO(), io.StringIO()
    configure("info", LogFormat.JSON, stream=first)
    early.info("to.first", n=1)
    configure("info", LogFormat.CONSOLE, stream=second)
    early.info("to.second")
    (line,) = lines(first)
    assert (line["event"], line["logger"], line["n"]) == ("to.first", "hhsync.early", 1)
    assert "to.second" in second.getvalue()
    assert "hhsync.early" in second.getvalue()
    assert "to.second" not in first.getvalue()


def teardown_module() -> None:
    structlog.reset_defaults()
    logging.getLogger().handlers.clear()
