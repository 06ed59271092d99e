"""The settings page's catalogue: both languages say the same things, and keys never leak."""

from __future__ import annotations

import importlib

import pytest

from hhsync.web.i18n import (
    AREAS,
    LANGUAGES,
    MissingMessage,
    catalogue,
    language_of,
    placeholders,
    translator,
)


@pytest.mark.parametrize("area", AREAS)
def test_each_area_has_the_same_keys_and_fields_in_both_languages(area: str) -> None:
    module = importlib.import_module(f"hhsync.web.messages.{area}")
    assert set(module.RU) == set(module.EN), area
    for key, text in module.RU.items():
        assert placeholders(text) == placeholders(module.EN[key]), f"{area}.{key}"
        assert text.strip(), f"{area}.{key} is empty in Russian"
        assert module.EN[key].strip(), f"{area}.{key} is empty in English"


def test_russian_speaking_zones_get_russian_and_others_english() -> None:
    assert language_of("ru") == "ru"
    assert language_of("UA") == "ru"
    assert language_of(None) == "ru"
    assert language_of("en") == "en"
    assert language_of("de") == "en"


def test_a_missing_key_fails_loudly_instead_of_showing_it() -> None:
    with pytest.raises(MissingMessage):
        translator("ru")("common.no_such_message")


def test_fields_are_filled_and_areas_come_unprefixed() -> None:
    t = translator("en")
    assert t("common.tab_settings") == "Settings"
    assert t.area("common")["tab_journal"] == "Log"
    assert all("." not in key for key in t.area("common"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogues_are_complete(language: str) -> None:
    assert catalogue(language)["common.tab_auth"]
    with pytest.raises(ValueError, match="no catalogue"):
        catalogue("de")
