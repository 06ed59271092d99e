"""The «Настройки» tab's choices as the engine carries them out: the invitation row of extended
mode, a required field of the applicant's contact (warned, refused, relaxed and retried), the
portal's refusals read back in Russian and in English. Both sandboxes over real HTTP, a real
PostgreSQL, the engine's own passes (:mod:`hhsync.testing.world`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hhsync.db import portals
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.sync.engine import run_pass
from hhsync.testing.world import World
from hhsync.web.context import WebContext
from hhsync.web.session import SESSION_HEADER, SessionClaims
from tests.integration.sync.test_engine import first_vacancy
from tests.integration.web.door_kit import asgi_client, door_app, door_settings, netloc
from tests.integration.web.test_settings_import import Tab

pytestmark = pytest.mark.postgres

HOSTILE = "</script><img src=x onerror=alert(1)>"


@pytest.fixture(params=["ru", "en"])
def language(request: pytest.FixtureRequest) -> str:
    """The portal's and the reader's language."""
    return str(request.param)


@pytest.fixture
async def tab(
    world: World, database: Database, cipher: TokenCipher, db_url: str, language: str
) -> AsyncIterator[Tab]:
    """The app on the world's database and its administrator's session, in ``language``; the
    sandbox portal speaks the same language."""
    world.bitrix_admin("POST", f"/_sandbox/portals/{world.domain}/lang", lang=language)
    settings = door_settings(db_url, [netloc(world.bitrix_url)])
    async with database.session() as session:
        portal = await portals.get_portal(session, world.portal_id)
    assert portal is not None
    async with httpx.AsyncClient(timeout=30) as outbound:
        ctx = WebContext(settings, database, cipher, outbound)
        claims = SessionClaims(world.portal_id, portal.member_id, 1, True, language)
        async with asgi_client(door_app(ctx)) as client:
            yield Tab(client, {SESSION_HEADER: ctx.sessions.issue(claims)}, world)


async def save(tab: Tab, body: dict[str, Any]) -> Any:
    response = await tab.client.post("/app/api/settings", headers=tab.headers, json=body)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("language", ["ru"], indirect=True)
async def test_extended_mode_puts_invitations_in_states_without_a_row_in_the_invitation_stage(
    tab: Tab, world: World
) -> None:
    saved = await save(
        tab,
        {
            "entity_type": "lead",
            "responsible_user_id": 2,
            "extended": True,
            "stage_map": {"response": "NEW", "invitation": "IN_PROCESS", "interview": "PROCESSED"},
        },
    )
    assert saved["settings"]["stage_map"]["invitation"] == "IN_PROCESS"
    vacancy = first_vacancy(world)
    unmapped = world.hh_admin(
        "POST",
        "/_sandbox/negotiations",
        vacancy_id=vacancy,
        kind="invitation",
        employer_state="consider",
    )
    mapped = world.hh_admin(
        "POST",
        "/_sandbox/negotiations",
        vacancy_id=vacancy,
        kind="invitation",
        employer_state="interview",
    )

    report = await run_pass(world.ctx, world.portal_id)

    assert report.writes.failed == 0, report.errors
    leads = {lead["ORIGIN_ID"]: lead for lead in world.entities("lead")}
    # «consider» has no row: the invitation falls back to «Приглашения (остальные)»
    assert leads[str(unmapped["id"])]["STATUS_ID"] == "IN_PROCESS"
    assert leads[str(mapped["id"])]["STATUS_ID"] == "PROCESSED"  # its own state's row wins


async def test_a_required_contact_field_is_warned_refused_in_words_and_retried_once_relaxed(
    tab: Tab, world: World, language: str
) -> None:
    tab.admin_rest(
        "crm.contact.userfield.add",
        fields={"FIELD_NAME": "CV_SOURCE", "USER_TYPE_ID": "string", "EDIT_FORM_LABEL": HOSTILE},
    )
    for field in ("UF_CRM_CV_SOURCE", "POST"):  # POST: a standard field crm.*.fields won't flag
        world.bitrix_admin(
            "POST", f"/_sandbox/portals/{world.domain}/required", entity="contact", field=field
        )
    expected = world.hh_negotiations()
    deal = {"entity_type": "deal", "responsible_user_id": 2, "category_id": 0, "stage_map": {}}

    before = (await tab.get("/app/api/settings?entity_type=deal&category_id=0"))["choices"]
    saved = await save(tab, deal)

    warned = [(f["code"], f["entity"], f["label"]) for f in before["required"]]
    assert warned == [("CONTACT.UF_CRM_CV_SOURCE", "contact", HOSTILE)]
    assert saved["choices"]["required"] == before["required"]

    refused = await run_pass(world.ctx, world.portal_id)

    assert refused.writes.failed == expected
    assert world.entities("deal") == []
    assert world.entities("contact") == []
    progress = await tab.get("/app/api/settings/progress")
    assert [error["count"] for error in progress["errors"]] == [expected]  # one reason, grouped
    reason = progress["errors"][0]["reason"]
    of_contact = "контакта" if language == "ru" else "of the contact"
    assert of_contact in reason
    assert HOSTILE in reason
    assert "«Position»" in reason
    assert "<br" not in reason
    assert "crm.contact.add" not in reason
    assert "Bitrix24 crm" not in reason
    after = (await tab.get("/app/api/settings?entity_type=deal&category_id=0"))["choices"]
    # the portal's refusal names the standard field too, matched to the contact's code by label
    assert [f["code"] for f in after["required"]] == ["CONTACT.UF_CRM_CV_SOURCE", "CONTACT.POST"]
    journal = await tab.get("/app/api/journal?status=failed")
    assert {row["reason"]["code"] for row in journal["rows"]} == {"required_field"}
    assert all(of_contact in row["reason"]["text"] for row in journal["rows"])

    for field in ("UF_CRM_CV_SOURCE", "POST"):
        world.bitrix_admin(
            "DELETE", f"/_sandbox/portals/{world.domain}/required", entity="contact", field=field
        )
    await save(tab, deal)  # a save makes the kept failures due now
    retried = await run_pass(world.ctx, world.portal_id)

    assert retried.writes.created == expected
    assert len(world.entities("deal")) == expected
    assert len(world.entities("contact")) == expected
    assert (await tab.get("/app/api/settings/progress"))["errors"] == []
