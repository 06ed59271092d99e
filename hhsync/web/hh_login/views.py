"""The portal's hh.ru accounts as the page shows them: names and state, never a token."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from hhsync.db import accounts
from hhsync.db.tables import AccountStatus, HhAccount
from hhsync.web.context import WebContext


@dataclass(frozen=True)
class AccountView:
    """One linked hh.ru account (``hh_accounts.html`` and ``GET /app/api/hh/accounts``)."""

    id: int
    employer_name: str
    manager_name: str
    is_admin: bool
    """An hh.ru company admin: every vacancy syncs; otherwise only the manager's own."""
    status: str
    needs_reauth: bool

    def as_json(self) -> dict[str, Any]:
        """The JSON the page gets."""
        return asdict(self)


def account_view(account: HhAccount) -> AccountView:
    """What the page may know of one account."""
    if account.id is None:
        raise ValueError("a stored account is needed")
    return AccountView(
        id=account.id,
        employer_name=account.employer_name,
        manager_name=account.manager_name,
        is_admin=account.is_admin,
        status=account.status,
        needs_reauth=account.status == AccountStatus.NEEDS_REAUTH,
    )


async def account_views(ctx: WebContext, portal_id: int) -> list[AccountView]:
    """The portal's accounts that are not logged out, oldest first (the app page's ``accounts``)."""
    async with ctx.database.session() as session:
        linked = await accounts.list_accounts(session, portal_id, logged_in=True)
    return [account_view(account) for account in linked]
