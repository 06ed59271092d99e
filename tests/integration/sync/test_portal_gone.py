"""A portal Bitrix24 refuses for good is parked with the status that says why.

Bitrix24 never retries ONAPPUNINSTALL, so a pass is where a missed one shows: the portal
answering ``ERROR_OAUTH`` (application not installed), or the OAuth server answering a refresh
with ``invalid_client``, marks the portal uninstalled; ``PAYMENT_REQUIRED`` pauses it with the
reason; any other dead token waits for a person (``needs_reauth``). A parked portal is no longer
claimed, and a pass that ends after an uninstall never turns it back into ``needs_reauth``.
"""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from hhsync.bitrix.errors import AppUninstalled, PaymentRequired, TokenRejected
from hhsync.db import portals
from hhsync.db.tables import PortalStatus
from hhsync.db.tokens import mark_portal_needs_reauth
from hhsync.sync.context import SyncContext
from hhsync.sync.engine import parked_status, run_pass
from hhsync.testing.world import World

pytestmark = pytest.mark.postgres


async def status_of(world: World) -> tuple[str, str | None]:
    async with world.ctx.database.session() as session:
        portal = await portals.get_portal(session, world.portal_id)
    assert portal is not None
    return portal.status, portal.status_reason


async def test_a_portal_that_no_longer_has_the_app_is_marked_uninstalled(world: World) -> None:
    # the app is removed and its ONAPPUNINSTALL goes nowhere (no handler is bound here)
    world.bitrix_admin("POST", f"/_sandbox/portals/{world.domain}/uninstall")

    report = await run_pass(world.ctx, world.portal_id)

    status, reason = await status_of(world)
    assert status == PortalStatus.UNINSTALLED
    assert reason is not None
    assert "ERROR_OAUTH" in reason
    assert report.writes.created == 0
    again = await run_pass(world.ctx, world.portal_id)
    assert again.skipped == f"portal is uninstalled: {reason}"


async def test_a_refresh_answered_invalid_client_marks_the_portal_uninstalled(
    world: World,
) -> None:
    settings = world.ctx.settings
    wrong = settings.model_copy(
        update={
            "bitrix": settings.bitrix.model_copy(
                update={"client_secret": SecretStr("not the app's secret")}
            )
        }
    )
    ctx = SyncContext.create(
        wrong, world.ctx.database, world.ctx.cipher, clock=world.clock, instance_id="test"
    )
    world.bitrix_admin("POST", "/_sandbox/time/advance", seconds=4000)  # the access token expires
    try:
        await run_pass(ctx, world.portal_id)
    finally:
        await ctx.aclose()

    status, reason = await status_of(world)
    assert status == PortalStatus.UNINSTALLED
    assert reason is not None
    assert "invalid_client" in reason
    assert "client_secret" in reason  # the same answer also means a wrong secret: say so


async def test_a_late_pass_does_not_turn_an_uninstalled_portal_into_needs_reauth(
    world: World,
) -> None:
    async with world.ctx.database.session() as session:
        await portals.uninstall_portal(session, world.portal_id, world.clock.now())
        parked = await mark_portal_needs_reauth(
            session, portal_id=world.portal_id, reason="refresh refused", now=world.clock.now()
        )
    assert parked is False
    assert (await status_of(world))[0] == PortalStatus.UNINSTALLED


def test_each_refusal_parks_the_portal_in_the_status_that_says_why() -> None:
    assert parked_status(AppUninstalled("gone", code="ERROR_OAUTH")) == PortalStatus.UNINSTALLED
    assert parked_status(PaymentRequired("unpaid", code="PAYMENT_REQUIRED")) == PortalStatus.PAUSED
    assert parked_status(TokenRejected("dead", code="invalid_grant")) == (PortalStatus.NEEDS_REAUTH)
