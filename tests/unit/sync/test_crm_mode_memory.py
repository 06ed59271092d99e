"""When a portal's CRM mode is asked again, and how its answer is read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hhsync.bitrix.crm_mode import CrmMode, parse_mode
from hhsync.sync.crm_mode_memory import CLASSIC_TRUSTED_S, CrmModeMemory

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_a_classic_answer_is_trusted_for_a_while() -> None:
    memory = CrmModeMemory()
    assert memory.known(1, NOW) is None
    memory.remember(1, CrmMode.CLASSIC, NOW)
    assert memory.known(1, NOW + timedelta(seconds=CLASSIC_TRUSTED_S - 1)) is CrmMode.CLASSIC
    assert memory.known(1, NOW + timedelta(seconds=CLASSIC_TRUSTED_S)) is None
    assert memory.known(2, NOW) is None  # portals apart


def test_a_simple_answer_is_asked_again_at_once() -> None:
    memory = CrmModeMemory()
    memory.remember(1, CrmMode.SIMPLE, NOW)
    assert memory.known(1, NOW) is None


@pytest.mark.parametrize(
    ("result", "mode"),
    [(1, CrmMode.CLASSIC), (2, CrmMode.SIMPLE), ("2", CrmMode.SIMPLE), (None, CrmMode.CLASSIC)],
)
def test_the_documented_numbers_are_read(result: object, mode: CrmMode) -> None:
    """b24restdocs crm/crm-settings-mode-get.md: 1 classic, 2 simple."""
    assert parse_mode(result) is mode
    assert mode.has_leads is (mode is CrmMode.CLASSIC)
