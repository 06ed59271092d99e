"""The «Настройки» tab with the engine: a save despite a required field hhsync does not fill keeps
every response failed with the portal's reason, the progress shows it, and once the field is
relaxed a save retries them and they reach the CRM. Both sandboxes over real HTTP, a real
PostgreSQL, the engine's own passes (:mod:`hhsync.testing.world`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
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
from tests.integration.web.door_kit import (
    asgi_client,
    door_app,
    door_settings,
    netloc,
    open_page,
)

pytestmark = pytest.mark.postgres

HOSTILE = "</script><img src=x onerror=alert(1)>"
SAVE: dict[str, Any] = {
    "entity_type": "lead",
    "responsible_user_id": 2,
    "source_id": "WEB",
    "extended": False,
    "stage_map": {"response": "NEW", "invitation": "IN_PROCESS"},
}


@dataclass
class Tab:
    """The settings tab's API for the world's portal, as its administrator's page calls it."""

    client: httpx.AsyncClient
    headers: dict[str, str]
    world: World

    async def get(self, path: str = "/app/api/settings") -> Any:
        response = await self.client.get(path, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    async def save(self) -> Any:
        response = await self.client.post("/app/api/settings", headers=self.headers, json=SAVE)
        assert response.status_code == 200, response.text
        return response.json()

    def admin_rest(self, method: str, **params: Any) -> Any:
        """A REST call on the world's portal with its administrator's fresh token."""
        grant = self.world.bitrix_admin("POST", f"/_sandbox/portals/{self.world.domain}/tokens")
        response = self.world.bitrix.post(
            f"{grant['client_endpoint']}{method}", json={"auth": grant["access_token"], **params}
        )
        assert response.status_code == 200, response.text
        return response.json()["result"]

    def require(self, field: str, *, relax: bool = False) -> None:
        self.world.bitrix_admin(
            "DELETE" if relax else "POST",
            f"/_sandbox/portals/{self.world.domain}/required",
            entity="lead",
            field=field,
        )


@pytest.fixture
async def tab(
    world: World, database: Database, cipher: TokenCipher, db_url: str
) -> AsyncIterator[Tab]:
    """The app on the world's database, trusting the world's Bitrix24 sandbox, and a session of
    the portal's administrator (user 1) signed by the app itself."""
    settings = door_settings(db_url, [netloc(world.bitrix_url)])
    async with database.session() as session:
        portal = await portals.get_portal(session, world.portal_id)
    assert portal is not None
    async with httpx.AsyncClient(timeout=30) as outbound:
        ctx = WebContext(settings, database, cipher, outbound)
        claims = SessionClaims(world.portal_id, portal.member_id, 1, True, "ru")
        async with asgi_client(door_app(ctx)) as client:
            yield Tab(client, {SESSION_HEADER: ctx.sessions.issue(claims)}, world)


async def test_a_save_despite_a_required_field_keeps_the_failures_and_retries_them(
    tab: Tab, world: World
) -> None:
    tab.admin_rest(
        "crm.lead.userfield.add",
        fields={"FIELD_NAME": "PASSPORT", "USER_TYPE_ID": "string", "EDIT_FORM_LABEL": "Паспорт"},
    )
    tab.admin_rest(
        "crm.lead.userfield.add",
        fields={"FIELD_NAME": "NOTE", "USER_TYPE_ID": "string", "EDIT_FORM_LABEL": HOSTILE},
    )
    tab.require("UF_CRM_PASSPORT")
    tab.require("UF_CRM_NOTE")
    tab.require("POST")  # a standard field: crm.lead.fields does not flag it (the sandbox's note)
    expected = world.hh_negotiations()

    before = await tab.get()
    saved = await tab.save()

    assert [f["code"] for f in before["choices"]["required"]] == ["UF_CRM_PASSPORT", "UF_CRM_NOTE"]
    assert [f["label"] for f in before["choices"]["required"]] == ["Паспорт", HOSTILE]
    assert saved["choices"]["required"] == before["choices"]["required"]
    assert saved["import"]["state"] == "running"  # configured, and no pass has ended since

    refused = await run_pass(world.ctx, world.portal_id)

    assert refused.writes.failed == expected
    assert world.entities("lead") == []
    progress = await tab.get("/app/api/settings/progress")
    assert progress["state"] == "done"
    assert (progress["loaded"], progress["imported"], progress["failed"]) == (expected, 0, expected)
    assert progress["pending"] == 0
    assert progress["errors"][0]["count"] == expected
    assert "Паспорт" in progress["errors"][0]["reason"]
    after = await tab.get()
    # the portal's refusals name the standard field too, matched to its code by its label
    assert [f["code"] for f in after["choices"]["required"]] == [
        "UF_CRM_PASSPORT",
        "UF_CRM_NOTE",
        "POST",
    ]
    # the app page shows the portal's reasons as text, never as markup
    page = await open_page(
        tab.client,
        "/b24/app",
        world.bitrix_admin("POST", f"/_sandbox/portals/{world.domain}/tokens", user_id=1),
    )
    assert page.status_code == 200, page.text
    assert "settings-error-reason" in page.text
    assert HOSTILE not in page.text
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page.text

    tab.require("UF_CRM_PASSPORT", relax=True)
    tab.require("UF_CRM_NOTE", relax=True)
    tab.require("POST", relax=True)
    later = world.clock.now() + timedelta(hours=1)
    async with world.ctx.database.session() as session:
        # where the scheduler's release leaves the portal: its next pass an interval away
        portal = await portals.get_portal(session, world.portal_id)
        assert portal is not None
        portal.next_pass_at = later
        session.add(portal)
    relaxed = await tab.save()  # a save makes the kept failures due now
    assert relaxed["import"]["failed"] == expected
    async with world.ctx.database.session() as session:
        portal = await portals.get_portal(session, world.portal_id)
    assert portal is not None
    assert portal.next_pass_at is not None
    assert portal.next_pass_at < later  # brought forward: the retries go in the next pass
    retried = await run_pass(world.ctx, world.portal_id)

    assert retried.writes.created == expected
    leads = world.entities("lead")
    assert len(leads) == expected
    assert {(lead["ASSIGNED_BY_ID"], lead["SOURCE_ID"]) for lead in leads} == {("2", "WEB")}
    done = await tab.get("/app/api/settings/progress")
    assert done == {
        "state": "done",
        "running": False,
        "loaded": expected,
        "imported": expected,
        "failed": 0,
        "pending": 0,
        "errors": [],
    }
    assert (await tab.get())["choices"]["required"] == []
