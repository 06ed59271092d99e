"""Trying again the kept pair of an account parked by a refresh answered "token deactivated".

hh.ru answers a refresh ``invalid_grant`` "token deactivated" after a password change, and now and
then for a pair no password change killed (hhru/api#869, #619; hh.ru never explained it, and
nobody said whether the pair works again). The client cannot tell the two apart, so the engine
parks the account as ``needs_reauth`` (the app and ``hhsync status`` ask for a new login, with the
reason) and keeps the pair. A pass then tries that pair again a few times (:data:`RETRY_SPACING`):
when a refresh succeeds, the new pair is stored by the account's single token store before use
(compare-and-swap, :mod:`hhsync.sync.account_tokens`), the account is polled again by itself, an
audit line and one log line say so. A pair still refused after the last try stays parked until a
new login, which works as it always did.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from hhsync.db import accounts, state
from hhsync.db.tables import HhAccount
from hhsync.db.tokens import kept_pairs_due, note_kept_pair_refused, resume_account
from hhsync.errors import NeedsReauth
from hhsync.hh.budget import Priority
from hhsync.hh.errors import HhError, PasswordChanged
from hhsync.log import get_logger
from hhsync.sync.context import SyncContext

log = get_logger(__name__)

RETRY_SPACING: Final = (timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
"""How long after the refusal (then after each refused try) the kept pair is tried again.

Bounded and growing because each try is one refresh hh.ru may refuse again: a glitch of hh.ru's
that clears within minutes is met by the first try, one that lasts longer by the later ones, and a
pair that is really dead (a password change looks the same) costs three token requests in about
two and a half hours, never a steady stream. Past that a person's new login is the cheaper way
back, and the account has asked for one from the start.
"""

EVENT_RESUMED: Final = "account.resumed"
"""The audit event (and, as ``sync.account_resumed``, the log line) of an account back by itself."""


def first_retry_at(error: NeedsReauth, now: datetime) -> datetime | None:
    """When a pass tries the kept pair of an account parked for ``error`` (None: never): only a
    refresh answered "token deactivated" may have been spurious."""
    return now + RETRY_SPACING[0] if isinstance(error, PasswordChanged) else None


def next_retry_at(retries: int, now: datetime) -> datetime | None:
    """When to try again after ``retries`` refused tries (None: no more tries)."""
    return now + RETRY_SPACING[retries] if retries < len(RETRY_SPACING) else None


def retry_after_refusal(error: NeedsReauth, retries: int, now: datetime) -> datetime | None:
    """When to try again after the kept pair's ``retries``-th refused try, for ``error``: only
    another "token deactivated" may still be spurious; a spent or revoked pair is dead for good."""
    return next_retry_at(retries, now) if isinstance(error, PasswordChanged) else None


async def retry_kept_pairs(
    ctx: SyncContext, portal_id: int, now: datetime, run_id: int | None
) -> list[HhAccount]:
    """Try the portal's kept pairs that are due; the accounts that work again, as now stored."""
    async with ctx.database.session() as session:
        due = await kept_pairs_due(session, portal_id, now)
    back: list[HhAccount] = []
    for account in due:
        if account.id is None:
            continue
        if await _try(ctx, account, now, run_id):
            async with ctx.database.session() as session:
                resumed = await accounts.get_account(session, portal_id, account.id)
            if resumed is not None:
                back.append(resumed)
    return back


async def _try(ctx: SyncContext, account: HhAccount, now: datetime, run_id: int | None) -> bool:
    """One try of the kept pair (``/me``: a refresh first when it is due); True when it worked
    and the account is active again."""
    if account.id is None:
        raise ValueError("the account must be stored")
    portal_id, account_id = account.portal_id, account.id
    hh = ctx.hh_client(account, Priority.INCREMENTAL)
    try:
        await hh.me()
    except HhError as exc:
        if not isinstance(exc, NeedsReauth):
            # Unreachable, busy or rate limited: not an answer about the pair, tried next pass.
            log.debug("sync.kept_pair_not_tried", account=account_id, error=str(exc))
            return False
        retries = account.reauth_retries + 1
        retry_at = retry_after_refusal(exc, retries, now)
        async with ctx.database.session() as session:
            await note_kept_pair_refused(
                session,
                portal_id=portal_id,
                account_id=account_id,
                retries=retries,
                retry_at=retry_at,
                now=now,
                reason=str(exc),
            )
        if retry_at is None:
            log.info("sync.kept_pair_dead", account=account_id, tries=retries, reason=str(exc))
        return False
    async with ctx.database.session() as session:
        resumed = await resume_account(session, portal_id=portal_id, account_id=account_id, now=now)
        if resumed:
            await state.add_audit(
                session,
                portal_id=portal_id,
                event=EVENT_RESUMED,
                now=now,
                sync_run_id=run_id,
                detail={
                    "account_id": account_id,
                    "tries": account.reauth_retries + 1,
                    "parked_for": account.status_reason or "",
                },
            )
    if resumed:
        log.info("sync.account_resumed", account=account_id, tries=account.reauth_retries + 1)
    return resumed
