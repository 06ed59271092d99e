"""``GET /oauth/hh/callback``: where hh.ru sends the login popup back with ``code`` and ``state``.

In order: the query is checked (size, repeated keys), the ``state`` signature and age, then its
nonce is used up, and only then is anything asked of hh.ru. A state that is tampered with,
expired, replayed or made for another portal ends here with a 400 page and nothing stored. The
code is exchanged server-side with the same ``redirect_uri``; ``/me`` must show an employer's
manager (``employer`` and ``manager`` present), and an applicant's pair is killed on hh.ru
instead of stored. A manager without hh.ru admin rights is linked with a warning: hh.ru shows
such a manager only their own vacancies (hh.ru OpenAPI spec, ``manager.has_admin_rights``).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Final

from starlette.requests import Request
from starlette.responses import Response

from hhsync.db import accounts, oauth_states
from hhsync.db.tokens import TokenPair as StoredPair
from hhsync.hh.auth import TokenPair
from hhsync.hh.errors import AppCredentialsRejected, HhError, TokenRevoked
from hhsync.hh.models import Me, MeEmployer, MeManager
from hhsync.log import get_logger
from hhsync.web.hh_login.deps import LoginDeps
from hhsync.web.hh_login.pages import result_page
from hhsync.web.i18n import Translator, translator
from hhsync.web.signing import SignatureRefused

MAX_QUERY_BYTES: Final = 8192
MAX_CODE_LENGTH: Final = 512
MAX_ID_LENGTH: Final = 32  # hh_account.hh_employer_id / hh_manager_id
MAX_NAME_LENGTH: Final = 512
_FIELDS: Final = ("code", "state", "error", "error_description")
EVENT_LINKED: Final = "hh_login.linked"
EVENT_REFUSED: Final = "hh_login.refused"
log = get_logger(__name__)


def _failed(
    deps: LoginDeps, t: Translator, status: int, message: str, title: str | None = None
) -> Response:
    return result_page(
        t,
        status=status,
        title=title or t("login.failed_title"),
        message=message,
        app_origin=deps.app.app_origin,
        static_url=deps.app.static_url,
        ok=False,
    )


def _query(request: Request) -> dict[str, str] | None:
    """The callback's parameters, or None for a query too big, repeated or oversized."""
    if len(request.scope.get("query_string", b"")) > MAX_QUERY_BYTES:
        return None
    items = [(k, v) for k, v in request.query_params.multi_items() if k in _FIELDS]
    if any(count > 1 for count in Counter(key for key, _ in items).values()):
        return None
    return dict(items)


def _employer_of(me: Me) -> tuple[MeEmployer, MeManager] | None:
    """The company and the manager behind ``/me``; None for anyone but an employer's manager."""
    if not me.is_employer or me.employer is None or me.manager is None:
        return None
    if not (0 < len(me.employer.id) <= MAX_ID_LENGTH and 0 < len(me.manager.id) <= MAX_ID_LENGTH):
        return None
    return me.employer, me.manager


def _manager_name(me: Me) -> str:
    name = " ".join(part for part in (me.first_name, me.last_name) if part)
    return (name or me.email or "")[:MAX_NAME_LENGTH]


async def callback(deps: LoginDeps, request: Request) -> Response:
    """The popup's landing page: link the account, or say clearly why not."""
    t = translator("ru")  # who asked is known only once the state is verified
    params = _query(request)
    if params is None:
        log.warning(EVENT_REFUSED, reason="malformed_query")
        return _failed(deps, t, 400, t("login.bad_request"))
    try:
        claims = deps.states.verify(params.get("state", ""))
    except SignatureRefused as refused:
        log.warning(EVENT_REFUSED, reason=f"state_{refused.reason.replace(' ', '_')}")
        return _failed(deps, t, 400, t("login.link_invalid"))
    t = translator(claims.language)
    now = deps.ctx.clock.now()
    async with deps.ctx.database.session() as session:
        fresh = await oauth_states.consume_state(
            session,
            portal_id=claims.portal_id,
            user_id=claims.user_id,
            nonce=claims.nonce,
            now=now,
        )
    if not fresh:
        log.warning(EVENT_REFUSED, reason="state_used_or_unknown", portal=claims.portal_id)
        return _failed(deps, t, 400, t("login.link_invalid"))
    error = params.get("error")
    if error == "access_denied":  # «Отказать» (hh.ru OpenAPI spec, "Процесс авторизации")
        return result_page(
            t,
            status=200,
            title=t("login.cancelled_title"),
            message=t("login.cancelled"),
            app_origin=deps.app.app_origin,
            static_url=deps.app.static_url,
            ok=False,
        )
    code = params.get("code", "")
    if error is not None or not code or len(code) > MAX_CODE_LENGTH:
        log.warning(EVENT_REFUSED, reason="no_code", portal=claims.portal_id)
        return _failed(deps, t, 400, t("login.hh_error"))
    return await _link(deps, t, claims.portal_id, code)


async def _link(deps: LoginDeps, t: Translator, portal_id: int, code: str) -> Response:
    try:
        pair = await deps.calls.exchange(code)
    except TokenRevoked:
        log.warning(EVENT_REFUSED, reason="code_refused", portal=portal_id)
        return _failed(deps, t, 400, t("login.code_refused"))
    except AppCredentialsRejected:
        log.error(EVENT_REFUSED, reason="app_credentials_rejected", portal=portal_id)
        return _failed(deps, t, 503, t("login.misconfigured"))
    except HhError as exc:
        log.warning(EVENT_REFUSED, reason="hh_unavailable", portal=portal_id, error=str(exc))
        return _failed(deps, t, 502, t("login.hh_unavailable"))
    try:
        me, pair = await deps.calls.who(pair)
    except HhError as exc:
        log.warning(EVENT_REFUSED, reason="me_failed", portal=portal_id, error=str(exc))
        await _drop_quietly(deps, pair)
        return _failed(deps, t, 502, t("login.hh_unavailable"))
    employer = _employer_of(me)
    if employer is None:
        log.warning(EVENT_REFUSED, reason="not_an_employer", portal=portal_id)
        await _drop_quietly(deps, pair)
        return _failed(deps, t, 403, t("login.applicant"), t("login.applicant_title"))
    return await _store(deps, t, portal_id, me, employer, pair)


async def _drop_quietly(deps: LoginDeps, pair: TokenPair) -> None:
    """Kill a pair hhsync will not keep; if hh.ru does not answer, it is forgotten anyway."""
    try:
        await deps.calls.drop(pair)
    except HhError as exc:
        log.warning(EVENT_REFUSED, reason="token_not_invalidated", error=str(exc))


async def _store(
    deps: LoginDeps,
    t: Translator,
    portal_id: int,
    me: Me,
    employer: tuple[MeEmployer, MeManager],
    pair: TokenPair,
) -> Response:
    company, manager = employer
    now = deps.ctx.clock.now()
    link = accounts.AccountLink(
        hh_employer_id=company.id,
        hh_manager_id=manager.id,
        employer_name=company.name[:MAX_NAME_LENGTH],
        manager_name=_manager_name(me),
        is_admin=manager.has_admin_rights,
        tokens=StoredPair(
            pair.access_token, pair.refresh_token, pair.expires_at or now + timedelta(days=14)
        ),
    )
    async with deps.ctx.database.session() as session:
        account = await accounts.link_account(session, deps.ctx.cipher, portal_id, link, now)
    log.info(EVENT_LINKED, portal=portal_id, account=account.id, is_admin=link.is_admin)
    name = " — ".join(part for part in (link.employer_name, link.manager_name) if part)
    return result_page(
        t,
        status=200,
        title=t("login.linked_title"),
        message=t("login.linked_account", account=name),
        warning=None if link.is_admin else t("login.not_admin_warning"),
        app_origin=deps.app.app_origin,
        static_url=deps.app.static_url,
        ok=True,
        account_id=account.id,
        # A manager without admin rights gets longer to read the warning.
        close_after_ms=4000 if link.is_admin else 12000,
    )
