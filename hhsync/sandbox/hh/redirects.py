"""Which ``redirect_uri`` hh.ru accepts for an app, and how it answers to it. Pure.

hh.ru compares the given URI with the one saved in the app's settings (hh.ru OpenAPI spec,
"Правила формирования специального redirect_uri"; hhru/api docs/authorization_for_user.md). If
``http://example.com/oauth`` is saved, allowed are ``www.`` in front of the host, a longer path
(``/oauth/sub/path``) and extra query parameters; refused are another scheme, another domain, an
added subdomain other than ``www``, another path (``/oauths``) and a port the saved URI lacks.

Stricter than the text, because a redirect is where codes leak: a user-info part, a fragment (RFC
6749 §3.1.2), dot segments, backslashes, encoded dots, slashes or backslashes in the path,
whitespace and control characters are refused, and so are query keys the answer itself sets
(``code``, ``state``, ``error``), which could otherwise shadow the real ones.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

MAX_REDIRECT_LENGTH = 2048
_ANSWER_KEYS = frozenset({"code", "state", "error"})
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]|%00", re.IGNORECASE)
_UNSAFE_IN_PATH = re.compile(r"%2e|%2f|%5c", re.IGNORECASE)


def redirect_allowed(given: str, registered: str) -> bool:
    """Whether ``given`` may be used in place of the ``registered`` redirect URI."""
    if not given or len(given) > MAX_REDIRECT_LENGTH or _UNSAFE.search(given):
        return False
    try:
        have, want = urlsplit(given), urlsplit(registered)
        have_port, want_port = have.port, want.port
    except ValueError:  # a port that is not a number, or an unbalanced IPv6 bracket
        return False
    if have.scheme not in ("http", "https") or have.scheme != want.scheme:
        return False
    if have.username is not None or have.password is not None or "@" in have.netloc:
        return False
    if have.fragment or "#" in given:
        return False
    if have_port != want_port:
        return False
    host, saved_host = have.hostname or "", want.hostname or ""
    if host != saved_host and host != f"www.{saved_host}":
        return False
    if not _path_extends(have.path or "/", want.path or "/"):
        return False
    return _query_extends(have.query, want.query)


def _path_extends(path: str, saved: str) -> bool:
    if _UNSAFE_IN_PATH.search(path) or any(part in (".", "..") for part in path.split("/")):
        return False
    if path == saved:
        return True
    prefix = saved if saved.endswith("/") else f"{saved}/"
    return path.startswith(prefix)


def _query_extends(query: str, saved: str) -> bool:
    have = parse_qsl(query, keep_blank_values=True)
    if any(key in _ANSWER_KEYS for key, _ in have):
        return False
    return all(pair in have for pair in parse_qsl(saved, keep_blank_values=True))


def answer_url(redirect_uri: str, answer: dict[str, str]) -> str:
    """``redirect_uri`` with the answer (``code`` or ``error``, and ``state``) in its query."""
    glue = "&" if urlsplit(redirect_uri).query else ("" if redirect_uri.endswith("?") else "?")
    return f"{redirect_uri}{glue}{urlencode(answer)}"
