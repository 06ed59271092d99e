"""Two clients of one hh.ru account racing to refresh its tokens: the loser adopts the winner's
stored pair, and the account stays active (ARCHITECTURE.md invariant 3).

hh.ru refresh tokens work once: a second refresh with the same one answers ``invalid_grant``
"token has already been refreshed" (hh.ru OpenAPI spec, "Обновление пары токенов"; the sandbox is
as strict). Two clients holding one pair happen when a pass whose lease was lost still runs beside
the next daemon's pass, or when the app's logout refreshes beside a pass.
"""

from __future__ import annotations

import httpx
import pytest

from hhsync.db.tables import AccountStatus, HhAccount
from hhsync.hh.auth import HhAuth
from hhsync.sync.context import SyncContext
from hhsync.testing.world import World

pytestmark = pytest.mark.postgres

HH_ACCESS_LIFETIME_S = 14 * 86400
"""The sandbox's hh.ru access tokens live two weeks (its default)."""


async def stored_account(world: World) -> HhAccount:
    async with world.ctx.database.session() as session:
        account = await session.get(HhAccount, world.account_id)
    assert account is not None
    return account


def expire_hh_tokens(world: World) -> None:
    world.hh_admin("POST", "/_sandbox/clock/advance", seconds=HH_ACCESS_LIFETIME_S + 60)


@pytest.mark.parametrize("meanwhile", [False, True], ids=["one-after-the-other", "interleaved"])
async def test_the_second_client_adopts_the_pair_the_first_refreshed(
    world: World, meanwhile: bool
) -> None:
    other = SyncContext.create(
        world.ctx.settings, world.ctx.database, world.ctx.cipher, instance_id="other"
    )
    try:
        account = await stored_account(world)
        first, second = world.ctx.hh_client(account), other.hh_client(account)
        expire_hh_tokens(world)
        refreshed: list[object] = []
        if meanwhile:
            # The second has met token_expired and re-read the store (nothing newer); just
            # before its refresh goes out, the first refreshes the same refresh token.
            async def first_refreshes(request: httpx.Request) -> None:
                if not refreshed and request.url.path == "/token":
                    refreshed.append(await first.me())

            other.hh_http.event_hooks["request"].append(first_refreshes)
        else:
            refreshed.append(await first.me())

        me = await second.me()

        assert refreshed
        assert me.is_employer
        stored = await stored_account(world)
        assert stored.status == AccountStatus.ACTIVE, stored.status_reason
        assert stored.token_version == account.token_version + 1
        auth = second._rest.auth
        assert isinstance(auth, HhAuth)
        assert auth.adopted_count == 1
    finally:
        await other.aclose()
