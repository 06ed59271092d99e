"""Hunting leaked secrets in what hhsync wrote and served: logs, pages, JSON bodies, metrics.

A secret rarely leaks as itself only: a URL carries it percent-encoded, a JSON string escaped, a
key made of bytes shows as hex or base64. :func:`forms_of` lists those forms, :func:`scan` looks
for each in each text (case-insensitively, so an upper-cased hex token is found too) and names
where it turned up, with the secret itself masked in the excerpt, so a failing test's output
does not leak it a second time.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote, quote_plus

MIN_SECRET_LENGTH: Final = 8
"""Shorter values would turn up in ordinary text by chance."""
EXCERPT_CHARS: Final = 60


@dataclass(frozen=True)
class Secret:
    """One secret that existed during a test: what it is, and its value."""

    name: str
    value: str | bytes

    def __post_init__(self) -> None:
        if len(self.value) < MIN_SECRET_LENGTH:
            raise ValueError(f"{self.name}: too short to look for ({len(self.value)} characters)")

    def __repr__(self) -> str:
        return f"Secret({self.name!r})"


@dataclass(frozen=True)
class Leak:
    """Where one form of one secret turned up."""

    secret: str
    form: str
    where: str
    excerpt: str


def forms_of(value: str | bytes) -> dict[str, str]:
    """The forms a secret takes in text, by name (the same text under two names is kept once)."""
    forms: dict[str, str] = {}
    if isinstance(value, bytes):
        forms["hex"] = value.hex()
        forms["base64"] = base64.b64encode(value).decode("ascii")
        forms["base64url"] = base64.urlsafe_b64encode(value).decode("ascii").rstrip("=")
        forms["repr"] = repr(value)[2:-1]
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            text = ""
        if text:
            forms.update({f"text {name}": form for name, form in forms_of(text).items()})
        return _distinct(forms)
    forms["raw"] = value
    forms["url-encoded"] = quote(value, safe="")
    forms["form-encoded"] = quote_plus(value, safe="")
    forms["json-escaped"] = json.dumps(value)[1:-1]
    return _distinct(forms)


def _distinct(forms: dict[str, str]) -> dict[str, str]:
    seen: set[str] = set()
    result: dict[str, str] = {}
    for name, form in forms.items():
        if len(form) >= MIN_SECRET_LENGTH and form.lower() not in seen:
            seen.add(form.lower())
            result[name] = form
    return result


def scan(texts: Mapping[str, str], secrets: Iterable[Secret]) -> list[Leak]:
    """Every place where a form of a secret appears in ``texts`` (label → text)."""
    leaks: list[Leak] = []
    lowered = {where: text.lower() for where, text in texts.items()}
    for secret in secrets:
        for form_name, form in forms_of(secret.value).items():
            needle = form.lower()
            for where, text in lowered.items():
                at = text.find(needle)
                if at >= 0:
                    original = texts[where]
                    excerpt = (
                        original[max(0, at - EXCERPT_CHARS) : at]
                        + f"«{secret.name}»"
                        + original[at + len(form) : at + len(form) + EXCERPT_CHARS]
                    )
                    leaks.append(Leak(secret.name, form_name, where, excerpt))
    return leaks
