"""A session outlives its portal by up to an hour: after the app was removed (with its data or
without), «Войти» is refused with a clear 4xx and stores nothing, never a 500."""

from __future__ import annotations

import pytest

from hhsync.db import portals
from tests.integration.web.door_kit import snapshot
from tests.integration.web.login_kit import LoginWorld

pytestmark = pytest.mark.postgres


async def test_login_for_a_deleted_portal_is_refused(login_world: LoginWorld) -> None:
    portal = await login_world.portal()
    headers = login_world.session(portal)
    async with login_world.ctx.database.session() as session:
        assert await portals.delete_portal(session, portal)
    before = await snapshot(login_world.ctx.database)

    answer = await login_world.app.post("/app/api/hh/login", headers=headers)

    assert answer.status_code == 401, answer.text
    assert "откройте приложение заново" in answer.json()["error"]
    assert await snapshot(login_world.ctx.database) == before


async def test_login_for_an_uninstalled_portal_is_refused(login_world: LoginWorld) -> None:
    portal = await login_world.portal()
    headers = login_world.session(portal)
    async with login_world.ctx.database.session() as session:
        await portals.uninstall_portal(session, portal, login_world.clock.now())
    before = await snapshot(login_world.ctx.database)

    answer = await login_world.app.post("/app/api/hh/login", headers=headers)

    assert answer.status_code == 409, answer.text
    assert "приложение удалено" in answer.json()["error"]
    assert await snapshot(login_world.ctx.database) == before
