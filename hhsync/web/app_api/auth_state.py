"""What the «Авторизация» tab says about syncing, worked out from stored state alone (pure).

Three things: whether responses are being synced at all (and if not, the one thing missing),
the banner an hh.ru account that lost its login raises, and the banner a portal that Bitrix24
stopped answering (dead tokens), that is paused (an unpaid subscription, an operator) or that the
app was removed from raises. Each names the message keys of ``auth.*``; the template and
``static/hh_login.js`` put the words in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from hhsync.model.kinds import PortalStatus

PAYMENT_MARK: Final = "PAYMENT_REQUIRED"
"""What a pause for an ended subscription carries in its reason (bitrix/errors.py's wording)."""

HOLD_BANNERS: Final = (
    ("OVERLOAD_LIMIT", "warning", "portal_blocked_title", "portal_blocked_text"),
    ("METHOD_CONFIRM_WAITING", "warning", "portal_confirm_title", "portal_confirm_text"),
    ("WRONG_AUTH_TYPE", "danger", "portal_wrong_auth_title", "portal_wrong_auth_text"),
    ("ERROR_WRONG_CONTEXT", "danger", "portal_wrong_auth_title", "portal_wrong_auth_text"),
)
"""A running portal whose passes Bitrix24 refuses until a person acts (the code its health reason
carries): how loud the banner is and its ``auth.*`` keys."""


@dataclass(frozen=True)
class AccountState:
    """What the tab needs of one linked hh.ru account."""

    needs_reauth: bool


def sync_state_key(
    portal_status: str,
    configured: bool,
    accounts: Sequence[AccountState],
    can_write: bool,
    leads_off: bool = False,
) -> str:
    """The ``auth.*`` key of the sync line: «Синхронизация активна» only when a pass would sync
    something (portal running, settings saved, an account with a working login, and the portal
    keeps the chosen entity: ``leads_off`` is a last pass that found leads chosen on a simple-CRM
    portal), else the first thing missing, in the order a person fixes them."""
    if portal_status != PortalStatus.ACTIVE:
        return "sync_portal_stopped"
    if not accounts:
        return "sync_needs_account" if can_write else "sync_needs_account_reader"
    if all(account.needs_reauth for account in accounts):
        return "sync_needs_relogin"
    if not configured:
        return "sync_needs_settings"
    if leads_off:
        return "sync_leads_off"
    return "sync_active"


def needs_relogin(accounts: Sequence[AccountState]) -> bool:
    """Whether the hh.ru re-login banner shows: any linked account lost its login."""
    return any(account.needs_reauth for account in accounts)


@dataclass(frozen=True)
class PortalBanner:
    """The portal's banner: how loud, its title and text keys, a reason line, and whether it
    offers «Открыть заново» (an administrator's open repairs dead tokens, pages.py)."""

    tone: str
    """``danger`` or ``warning`` (the ``app-banner`` modifier)."""
    title_key: str
    text_key: str
    reason: str | None = None
    reopen: bool = False


def portal_banner(
    status: str, reason: str | None, can_write: bool, failing_reason: str | None = None
) -> PortalBanner | None:
    """The banner for a portal that does not sync, or None for a running one.

    ``failing_reason`` is a running portal's health reason while its passes fail: a refusal that
    waits for a person (Bitrix24 support's block, a method to confirm, a setup error) gets a
    banner saying who must act; passing trouble gets none (it clears by itself).
    """
    if status == PortalStatus.ACTIVE and failing_reason:
        for mark, tone, title, text in HOLD_BANNERS:
            if mark in failing_reason:
                return PortalBanner(tone, title, text, failing_reason)
    if status == PortalStatus.NEEDS_REAUTH:
        if can_write:
            return PortalBanner(
                "danger", "portal_reauth_title", "portal_reauth_text_admin", reopen=True
            )
        return PortalBanner("danger", "portal_reauth_title", "portal_reauth_text")
    if status == PortalStatus.PAUSED:
        if reason and PAYMENT_MARK in reason:
            return PortalBanner("warning", "portal_paused_title", "portal_paused_payment")
        return PortalBanner("warning", "portal_paused_title", "portal_paused_operator", reason)
    if status == PortalStatus.UNINSTALLED:
        return PortalBanner("danger", "portal_uninstalled_title", "portal_uninstalled_text")
    return None


SCRIPT_KEYS: Final = {
    "login": "login",
    "addAccount": "add_account",
    "logout": "logout",
    "empty": "accounts_empty",
    "needsReauth": "account_needs_reauth",
    "ownVacanciesOnly": "account_own_vacancies_only",
    "confirmLogout": "confirm_logout",
    "popupBlocked": "popup_blocked",
    "requestFailed": "request_failed",
    "loggedIn": "logged_in",
    "loggedOut": "logged_out",
    "syncActive": "sync_active",
    "syncNeedsAccount": "sync_needs_account",
    "syncNeedsAccountReader": "sync_needs_account_reader",
    "syncNeedsRelogin": "sync_needs_relogin",
    "syncNeedsSettings": "sync_needs_settings",
    "syncPortalStopped": "sync_portal_stopped",
    "syncLeadsOff": "sync_leads_off",
}
"""The words ``static/hh_login.js`` shows (its name -> the ``auth.*`` key), handed over as JSON."""
