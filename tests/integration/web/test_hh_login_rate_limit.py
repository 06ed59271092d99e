"""The hh.ru login shares the process's hh.ru budget and rides out a 429.

hh.ru limits requests per client IP (about 10 a second, 429 beyond; hhru/api issue 74): the
login's code exchange and ``/me`` leave from the same address as the passes, so they draw from
the passes' one budget (ahead of them: a person waits in the popup), and a 429 there is retried
for a few seconds instead of failing the login.
"""

from __future__ import annotations

import httpx

from hhsync.db.tables import AccountStatus
from hhsync.service.runner import daemon_web_context
from hhsync.sync.context import SyncContext
from hhsync.web.i18n import translator
from tests.integration.web.login_kit import LoginWorld, login_settings


async def test_a_429_on_the_code_exchange_and_on_me_is_retried_and_the_login_links(
    login_world: LoginWorld,
) -> None:
    portal = await login_world.portal()
    callback = await login_world.at_hh(await login_world.start(login_world.session(portal)))
    await login_world.hh.delete("/_sandbox/requests")
    for path in ("/token", "/me"):
        fault = {"kind": "error", "status": 429, "path_contains": path}
        added = await login_world.hh.post("/_sandbox/faults", json={"fault": fault, "times": 2})
        assert added.status_code == 200, added.text

    page = await login_world.land(callback)

    assert page.status_code == 200
    assert translator("ru")("login.linked_title") in page.text
    [account] = await login_world.accounts(portal)
    assert account.status == AccountStatus.ACTIVE
    calls = [(m, p, s) for m, p, s in await login_world.hh_log() if p in ("/token", "/me")]
    assert calls == [
        ("POST", "/token", 429),
        ("POST", "/token", 429),
        ("POST", "/token", 200),
        ("GET", "/me", 429),
        ("GET", "/me", 429),
        ("GET", "/me", 200),
    ]


async def test_the_daemons_login_draws_from_the_passes_hh_budget(
    login_world: LoginWorld, db_url: str
) -> None:
    settings = login_settings(login_world.hh_url, db_url)
    ctx = SyncContext.create(settings, login_world.ctx.database, login_world.ctx.cipher)
    try:
        async with httpx.AsyncClient() as outbound:
            assert daemon_web_context(ctx, outbound).hh_budget is ctx.budget
    finally:
        await ctx.aclose()
