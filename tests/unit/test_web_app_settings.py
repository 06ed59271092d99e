"""The settings the app's door needs: the trusted OAuth servers, and what ``hhsync run`` refuses
to serve the app with (one line per problem)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hhsync.config import check_web_app, load_settings, web_app_problems
from hhsync.errors import ConfigError

COMPLETE = {
    "HHSYNC_BITRIX__CLIENT_ID": "local.5c8bb1b0891cf2.87252039",
    "HHSYNC_BITRIX__CLIENT_SECRET": "b24-secret",
    "HHSYNC_HH__CLIENT_ID": "hh-client",
    "HHSYNC_HH__CLIENT_SECRET": "hh-secret",
    "HHSYNC_WEB__PUBLIC_URL": "https://hhsync.example.ru",
}


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_the_default_oauth_servers_are_bitrix24s_two() -> None:
    assert load_settings(environ={}).bitrix.oauth_servers == [
        "oauth.bitrix.info",
        "oauth.bitrix24.tech",
    ]


def test_oauth_servers_are_hosts_with_an_optional_port_lower_cased() -> None:
    settings = load_settings(
        environ={"HHSYNC_BITRIX__OAUTH_SERVERS": '["OAuth.Bitrix.Info", "127.0.0.1:8081"]'}
    )
    assert settings.bitrix.oauth_servers == ["oauth.bitrix.info", "127.0.0.1:8081"]


@pytest.mark.parametrize(
    "entry", ["https://oauth.bitrix.info", "oauth.bitrix.info/rest/", "user@host", "host:0"]
)
def test_an_oauth_server_with_more_than_a_host_is_a_config_error(entry: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={"HHSYNC_BITRIX__OAUTH_SERVERS": f'["{entry}"]'})
    (line,) = caught.value.problems
    assert line.startswith("bitrix.oauth_servers:")
    assert "HHSYNC_BITRIX__OAUTH_SERVERS" in line


def test_an_empty_allowlist_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        load_settings(environ={"HHSYNC_BITRIX__OAUTH_SERVERS": "[]"})


def test_complete_settings_serve_the_app() -> None:
    assert web_app_problems(load_settings(environ=COMPLETE)) == []


def test_missing_credentials_are_named_one_per_line() -> None:
    with pytest.raises(ConfigError) as caught:
        check_web_app(load_settings(environ={"HHSYNC_WEB__PUBLIC_URL": "https://h.example"}))
    problems = caught.value.problems
    assert [p.split(":", 1)[0] for p in problems] == [
        "bitrix.client_id",
        "bitrix.client_secret",
        "hh.client_id",
        "hh.client_secret",
    ]
    assert all("\n" not in p for p in problems)


@pytest.mark.parametrize(
    ("url", "fine"),
    [
        ("https://hhsync.example.ru/prefix", True),
        ("http://127.0.0.1:8080", True),
        ("http://localhost:8080", True),
        ("http://hhsync.example.ru", False),
        ("https://user:pw@hhsync.example.ru", False),
        ("https://hhsync.example.ru/?x=1", False),
    ],
)
def test_the_public_url_is_https_unless_loopback(url: str, fine: bool) -> None:
    problems = web_app_problems(load_settings(environ={**COMPLETE, "HHSYNC_WEB__PUBLIC_URL": url}))
    assert (problems == []) is fine
    assert all(p.startswith("web.public_url:") for p in problems)
