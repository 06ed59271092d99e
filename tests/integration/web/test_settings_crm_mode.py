"""The «Настройки» tab on a simple-CRM portal (no leads): deals by default, leads refused.

Bitrix24 sandbox over real HTTP and a real PostgreSQL. The sandbox's ``crm-mode`` knob makes
``crm.settings.mode.get`` answer 2 (b24restdocs ``crm/crm-settings-mode-get.md``); such a portal
turns every new lead into a deal (``crm/leads/index.md``), so the page offers deals only.
"""

from __future__ import annotations

import pytest

from tests.integration.web.conftest import Door
from tests.integration.web.door_kit import snapshot
from tests.integration.web.test_settings_api import A_DEAL_SAVE, DOMAIN, admin_on, get, post

pytestmark = pytest.mark.postgres


def simple_crm(door: Door) -> None:
    portal = door.sandbox.portal(DOMAIN)
    assert portal is not None
    portal.crm_mode = 2


async def test_a_classic_portal_offers_leads(door: Door) -> None:
    headers = await admin_on(door)
    read = await get(door, headers)
    assert read.status_code == 200, read.text
    assert read.json()["choices"]["leads_available"] is True
    assert "leads_off" not in read.json()


async def test_a_simple_crm_portal_starts_the_form_on_deals_and_says_why(door: Door) -> None:
    headers = await admin_on(door)
    simple_crm(door)
    read = await get(door, headers)
    assert read.status_code == 200, read.text
    body = read.json()
    assert body["settings"]["entity_type"] == "lead"  # nothing saved yet: the default
    assert body["choices"]["leads_available"] is False
    assert body["choices"]["entity_type"] == "deal"
    assert body["choices"]["category_id"] == 0
    assert next(s["id"] for s in body["choices"]["stages"]) == "NEW"  # a deal stage of pipeline 0
    assert "простой режим CRM" in body["leads_off"]


async def test_a_lead_save_on_a_simple_crm_portal_is_refused_naming_the_reason(
    door: Door,
) -> None:
    headers = await admin_on(door)
    simple_crm(door)
    before = await snapshot(door.database)
    refused = await post(
        door, headers, {"entity_type": "lead", "responsible_user_id": 2, "stage_map": {}}
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["field"] == "entity_type"
    assert "простой режим CRM" in refused.json()["error"]
    assert await snapshot(door.database) == before
    saved = await post(door, headers, A_DEAL_SAVE)
    assert saved.status_code == 200, saved.text
    assert saved.json()["settings"]["entity_type"] == "deal"


async def test_asking_for_lead_choices_explicitly_still_answers_them(door: Door) -> None:
    """The page may show lead stages of the saved form; it is the save that is refused."""
    headers = await admin_on(door)
    simple_crm(door)
    read = await get(door, headers, "/app/api/settings?entity_type=lead&category_id=0")
    assert read.status_code == 200, read.text
    assert read.json()["choices"]["entity_type"] == "lead"
    assert read.json()["choices"]["leads_available"] is False
