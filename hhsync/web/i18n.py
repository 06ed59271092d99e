"""The settings page's words: one catalogue, Russian first, English when the portal is not Russian.

Each area of the page keeps its messages in a module of :mod:`hhsync.web.messages` as two dicts,
``RU`` and ``EN``, with the same keys; a key is ``<area>.<name>`` (``settings.responsible``).
Labels follow the official hh.ru app's guide, which the HR people already know. Templates call
``t("settings.responsible")``; a missing key fails the render (a test renders every page in both
languages), so no page ever shows a bare key.
"""

from __future__ import annotations

import importlib
import string
from collections.abc import Mapping
from functools import cache
from typing import Final

from hhsync.errors import Fatal

AREAS: Final = ("common", "auth", "login", "settings", "inbox", "journal", "others")
"""The modules of :mod:`hhsync.web.messages`, one per area of the page."""

LANGUAGES: Final = ("ru", "en")
RUSSIAN_SPEAKING: Final = frozenset({"ru", "ua", "by", "kz"})
"""Bitrix24 ``LANG`` codes whose readers get the Russian page (the portal zones of the CIS)."""


class MissingMessage(Fatal, KeyError):
    """A template or handler asked for a key no catalogue has: a bug, never shown to a person."""


def language_of(lang: str | None) -> str:
    """The catalogue for a portal's ``LANG``: Russian for Russian-speaking zones, else English."""
    return "ru" if (lang or "ru").lower() in RUSSIAN_SPEAKING else "en"


@cache
def catalogue(language: str) -> Mapping[str, str]:
    """Every message of ``language`` (``ru`` or ``en``), keyed ``<area>.<name>``."""
    if language not in LANGUAGES:
        raise ValueError(f"no catalogue for {language!r}")
    merged: dict[str, str] = {}
    for area in AREAS:
        module = importlib.import_module(f"hhsync.web.messages.{area}")
        table: Mapping[str, str] = getattr(module, language.upper())
        for name, text in table.items():
            merged[f"{area}.{name}"] = text
    return merged


def placeholders(text: str) -> frozenset[str]:
    """The ``{name}`` fields a message takes (both languages must take the same)."""
    return frozenset(field for _, field, _, _ in string.Formatter().parse(text) if field)


class Translator:
    """``t(key, **fields)`` for one language; what templates and JSON answers use."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._messages = catalogue(language)

    def __call__(self, key: str, **fields: object) -> str:
        try:
            text = self._messages[key]
        except KeyError:
            raise MissingMessage(key) from None
        return text.format(**fields) if fields else text

    def area(self, area: str) -> dict[str, str]:
        """Every message of one area, unprefixed: what a page's script receives as JSON."""
        prefix = f"{area}."
        return {k[len(prefix) :]: v for k, v in self._messages.items() if k.startswith(prefix)}


@cache
def translator(language: str) -> Translator:
    """The shared translator of ``language``."""
    return Translator(language)
