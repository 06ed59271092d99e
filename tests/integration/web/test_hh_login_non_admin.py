"""A manager without the right to list the company's managers still logs in and is linked.

hh.ru OpenAPI spec, ``get-employer-managers``: 403 "Текущий пользователь не имеет прав на
просмотр менеджеров данного работодателя" for such a manager; the sandbox answers it by a named
fault. The login needs ``/me`` only (``manager.has_admin_rights`` decides the warning).
"""

from __future__ import annotations

import pytest

from hhsync.db.tables import AccountStatus
from tests.integration.web.login_kit import MANAGER_EMAIL, LoginWorld

pytestmark = pytest.mark.postgres


async def test_a_manager_refused_the_managers_list_is_linked_with_the_warning(
    login_world: LoginWorld,
) -> None:
    fault = {"kind": "named", "code": "managers_forbidden", "path_contains": "/managers"}
    injected = await login_world.hh.post("/_sandbox/faults", json={"fault": fault, "times": 5})
    assert injected.status_code == 200, injected.text
    try:
        portal = await login_world.portal()
        page = await login_world.log_in(login_world.session(portal), MANAGER_EMAIL)
        assert page.status_code == 200
        assert "синхронизируются только ваши вакансии" in page.text
        [account] = await login_world.accounts(portal)
        assert not account.is_admin
        assert account.status == AccountStatus.ACTIVE
        queued = (await login_world.hh.get("/_sandbox/faults")).json()["queue"]
        assert len(queued) == 5  # the login never asked for the list the manager may not see
    finally:
        await login_world.hh.delete("/_sandbox/faults")
