"""What counts as a plain host, and which hosts are this machine."""

from __future__ import annotations

import pytest

from hhsync.model.hosts import is_host_port, is_loopback


@pytest.mark.parametrize(
    "text", ["oauth.bitrix.info", "localhost:8080", "127.0.0.1:1", "xn--80a.bitrix24.ru", "a"]
)
def test_plain_hosts(text: str) -> None:
    assert is_host_port(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "a.b/c",
        "user@a.b",
        "a.b:0",
        "a.b:65536",
        "a..b",
        "-a.b",
        "a.b:",
        "[::1]:80",
        "a" * 254,
        "a.b\nc",
        "A.B",  # callers lower-case first
    ],
)
def test_anything_else(text: str) -> None:
    assert not is_host_port(text)


def test_loopback() -> None:
    assert is_loopback("localhost")
    assert is_loopback("127.0.0.1")
    assert is_loopback("::1")
    assert not is_loopback("10.0.0.1")
    assert not is_loopback("oauth.bitrix.info")
