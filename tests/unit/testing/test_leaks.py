"""The secret scan finds a planted secret in every form it may take, and nothing in clean text."""

from __future__ import annotations

import io
import json
import logging
from urllib.parse import urlencode

import pytest
import structlog

from hhsync.config import LogFormat
from hhsync.db.crypto import TokenCipher
from hhsync.log import configure, get_logger
from hhsync.testing.leaks import Secret, forms_of, scan

TOKEN = "A1B2C3D4E5F60718293A4B5C6D7E8F90"  # hh.ru's tokens are upper-case hex
FERNET_KEY = TokenCipher.generate_key()  # url-safe base64 ending in "="


def test_a_planted_line_is_found_and_a_clean_one_is_not() -> None:
    texts = {
        "clean": '{"event": "hh_login.linked", "portal": 1, "account": 2}',
        "planted": f'{{"event": "oops", "note": "{TOKEN}"}}',
    }
    leaks = scan(texts, [Secret("hh.ru access token", TOKEN)])
    assert [(leak.secret, leak.where, leak.form) for leak in leaks] == [
        ("hh.ru access token", "planted", "raw")
    ]
    assert TOKEN not in leaks[0].excerpt
    assert "«hh.ru access token»" in leaks[0].excerpt


def test_a_lower_cased_or_url_encoded_secret_is_found() -> None:
    texts = {
        "lower": f"Bearer {TOKEN.lower()}",
        "query": f"https://hhsync.test/callback?{urlencode({'key': FERNET_KEY})}",
    }
    leaks = scan(texts, [Secret("hh.ru token", TOKEN), Secret("token key", FERNET_KEY)])
    assert {(leak.where, leak.form) for leak in leaks} == {
        ("lower", "raw"),
        ("query", "url-encoded"),
    }


def test_a_key_of_bytes_is_found_as_hex_and_base64() -> None:
    key = TokenCipher.derive_from_secret("signing secret", "session")
    for form in ("hex", "base64", "base64url"):
        text = f"derived key {forms_of(key)[form]} in a message"
        assert form in [leak.form for leak in scan({"log": text}, [Secret("session key", key)])]


def test_a_secret_too_short_to_look_for_is_refused() -> None:
    with pytest.raises(ValueError, match="too short"):
        Secret("pin", "1234")


def test_a_token_logged_under_an_innocent_key_survives_redaction_and_is_caught() -> None:
    # The redaction processor masks secret-looking keys and "token=..." in free text; a bare
    # value under another key is what only a scan like this catches.
    out = io.StringIO()
    configure("debug", LogFormat.JSON, stream=out)
    try:
        get_logger("hhsync.planted").debug("planted", note=TOKEN, access_token=TOKEN)
    finally:
        structlog.reset_defaults()
        logging.getLogger().handlers.clear()
    (line,) = [json.loads(text) for text in out.getvalue().splitlines()]
    assert line["access_token"] == "[redacted]"
    leaks = scan({"logs": out.getvalue()}, [Secret("hh.ru access token", TOKEN)])
    assert [leak.form for leak in leaks] == ["raw"]
