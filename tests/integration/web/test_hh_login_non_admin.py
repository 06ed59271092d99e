"""A manager without the right to list the company's managers still logs in and is linked.

hh.ru OpenAPI spec, ``get-employer-managers``: 403 "Текущий пользователь не имеет прав на
просмотр менеджеров данного работодателя" for such a manager; the sandbox answers it by role
(``has_admin_rights`` false), no fault injected. The login needs ``/me`` only
(``manager.has_admin_rights`` decides the warning).
"""

from __future__ import annotations

import pytest

from hhsync.db.tables import AccountStatus
from tests.integration.web.login_kit import MANAGER_EMAIL, LoginWorld

pytestmark = pytest.mark.postgres


async def test_a_manager_refused_the_managers_list_is_linked_with_the_warning(
    login_world: LoginWorld,
) -> None:
    portal = await login_world.portal()
    page = await login_world.log_in(login_world.session(portal), MANAGER_EMAIL)
    assert page.status_code == 200
    assert "синхронизируются только ваши вакансии" in page.text
    [account] = await login_world.accounts(portal)
    assert not account.is_admin
    assert account.status == AccountStatus.ACTIVE
    assert not [path for _, path, _ in await login_world.hh_log() if path.endswith("/managers")]
    # the manager is refused the list by role: the login never needed it
    token = login_world.ctx.cipher.decrypt(account.access_token_enc)
    refused = await login_world.hh.get(
        f"/employers/{account.hh_employer_id}/managers",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert refused.status_code == 403
    assert refused.json()["errors"] == [{"type": "forbidden"}]
