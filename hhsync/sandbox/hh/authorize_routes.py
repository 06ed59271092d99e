"""hh.ru's ``/oauth/authorize`` in the sandbox: log in with e-mail and password, then consent.

The flow follows hh.ru's description (hh.ru OpenAPI spec, "Процесс авторизации" and "Запрос
авторизации под другим пользователем"; hhru/api docs/authorization_for_user.md):

* not logged in on the site (or ``force_login=true``): the login form; after it, the request
  goes on as if it had been opened logged in;
* ``force_role=true`` with a ``role`` the logged-in user does not have: the login form again,
  asking for that role; a user of the other role cannot pass it;
* logged in: the consent page («Разрешить» / «Отказать», or log in as someone else), shown also
  when access was granted before ("предложена возможность продолжить работу под текущим
  аккаунтом, либо зайти под другим"), unless ``skip_choose_account=true`` and access was granted
  before, which redirects at once with a code;
* «Отказать»: a redirect with ``error=access_denied``; «Разрешить»: a redirect with ``code``;
  ``state`` comes back untouched in both.

``role`` without ``force_role`` does not stop a user of the other role (the docs give it effect
only together with ``force_role``): the app sees the role in ``/me``. The browser session is a
cookie on the sandbox's origin; every form carries a one-time token (see :mod:`.site`).
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hhsync.sandbox.hh import oauth
from hhsync.sandbox.hh.authorize_pages import (
    ConsentForm,
    LoginForm,
    consent_page,
    error_page,
    login_page,
)
from hhsync.sandbox.hh.authorize_params import AuthorizeRequest, parse_authorize
from hhsync.sandbox.hh.guard import sandbox_of
from hhsync.sandbox.hh.redirects import answer_url
from hhsync.sandbox.hh.runtime import HhSandbox
from hhsync.sandbox.hh.site import DEMO_PASSWORD, BrowserSession, FormPurpose, Login, UserKind

SESSION_COOKIE = "hh_sandbox_session"
MAX_FORM_BYTES = 16 * 1024
_CONTROL_FIELDS = ("email", "password", "form_token", "decision")
_ASK_ROLE = {
    UserKind.EMPLOYER: "Приложению нужен аккаунт работодателя: войдите как работодатель.",
    UserKind.APPLICANT: "Приложению нужен аккаунт соискателя: войдите как соискатель.",
}
_STALE_FORM = "Форма устарела или открыта не на этой странице. Откройте вход заново из приложения."


def _parse(sandbox: HhSandbox, items: list[tuple[str, str]]) -> AuthorizeRequest | str:
    config = sandbox.config
    return parse_authorize(items, config.client_id, config.registered_redirect_uri)


def _with_cookie(response: Response, request: Request, session: BrowserSession) -> Response:
    response.set_cookie(
        SESSION_COOKIE,
        session.id,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


def _hints(sandbox: HhSandbox) -> tuple[str, ...]:
    if not sandbox.config.login_hints:
        return ()
    store = sandbox.store
    hints = []
    for manager in sorted(store.managers.values(), key=lambda m: int(m.id))[:10]:
        employer = store.employers[manager.employer_id].name
        admin = ", администратор" if manager.is_admin else ""
        hints.append(
            f"{manager.email}: {manager.first_name} {manager.last_name}, {employer}{admin}"
        )
    hints.append("соискатели: applicant<id>@example.com (id в /_sandbox/state)")
    hints.append(f"пароль, пока его не сменили: {DEMO_PASSWORD}")
    return tuple(hints)


def _login_form(
    sandbox: HhSandbox,
    request: Request,
    session: BrowserSession | None,
    parsed: AuthorizeRequest,
    *,
    email: str = "",
    error: str | None = None,
    status: int = 200,
) -> Response:
    fresh = session is None
    live = session or sandbox.store.site.new_session(sandbox.now_s())
    token = sandbox.store.site.issue_form(live, FormPurpose.LOGIN, parsed.params, sandbox.now_s())
    notice = _ASK_ROLE[parsed.role] if parsed.flag("force_role") and parsed.role else None
    form = LoginForm(parsed.params, token, email, error, notice, _hints(sandbox))
    response = login_page(form, status)
    return _with_cookie(response, request, live) if fresh else response


def _consent_form(
    sandbox: HhSandbox, session: BrowserSession, parsed: AuthorizeRequest, login: Login
) -> Response:
    store = sandbox.store
    if login.kind is UserKind.EMPLOYER:
        manager = store.managers[login.user_id]
        name = f"{manager.first_name} {manager.last_name}"
        role = f"работодатель, {store.employers[manager.employer_id].name}"
    else:
        applicant = store.site.applicants[login.user_id]
        name, role = f"{applicant.first_name} {applicant.last_name}", "соискатель"
    token = store.site.issue_form(session, FormPurpose.CONSENT, parsed.params, sandbox.now_s())
    granted = (login.email, sandbox.config.client_id) in store.site.grants
    other = parsed.query(force_login="true")
    return consent_page(
        ConsentForm(parsed.params, token, sandbox.config.client_name, name, role, other, granted)
    )


def _answer(parsed: AuthorizeRequest, answer: dict[str, str]) -> Response:
    if parsed.state is not None:
        answer["state"] = parsed.state
    return RedirectResponse(answer_url(parsed.redirect_uri, answer), status_code=302)


def _grant(sandbox: HhSandbox, parsed: AuthorizeRequest, login: Login) -> Response:
    store = sandbox.store
    store.site.grants.add((login.email, sandbox.config.client_id))
    code = oauth.issue_code(
        store, sandbox.oauth, login, parsed.redirect_uri, parsed.code_challenge, sandbox.now_s()
    )
    return _answer(parsed, {"code": code.code})


def _session_login(
    sandbox: HhSandbox, request: Request
) -> tuple[BrowserSession | None, Login | None]:
    site = sandbox.store.site
    session = site.session(request.cookies.get(SESSION_COOKIE), sandbox.now_s())
    login = site.logins.get(session.login) if session and session.login else None
    return session, login


async def authorize_page(request: Request) -> Response:
    """``GET /oauth/authorize``: the login form, the consent page, or a redirect at once."""
    sandbox = sandbox_of(request)
    parsed = _parse(sandbox, request.query_params.multi_items())
    if isinstance(parsed, str):
        return error_page(parsed)
    session, login = _session_login(sandbox, request)
    if session is None or login is None or parsed.flag("force_login"):
        return _login_form(sandbox, request, session, parsed)
    if parsed.wrong_role(login.kind):
        return _login_form(sandbox, request, session, parsed)
    granted = (login.email, sandbox.config.client_id) in sandbox.store.site.grants
    if parsed.flag("skip_choose_account") and granted:
        return _grant(sandbox, parsed, login)
    return _consent_form(sandbox, session, parsed, login)


async def _small_form(request: Request) -> list[tuple[str, str]] | Response:
    """The urlencoded body's fields, or the refusal of a body that is not one (or too big)."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return error_page("Форма должна приходить как application/x-www-form-urlencoded.")
    declared = request.headers.get("content-length", "0")
    if not declared.isdigit() or int(declared) > MAX_FORM_BYTES:
        return error_page("Форма слишком большая.", 413)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return error_page("Форма слишком большая.", 413)
    try:
        items = parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=64
        )
    except (UnicodeDecodeError, ValueError):
        return error_page("Форма не разобрана: ожидается UTF-8 и не больше 64 полей.")
    counts = Counter(key for key, _ in items)
    repeated = [name for name in _CONTROL_FIELDS if counts[name] > 1]
    if repeated:
        return error_page(f"Поле {repeated[0]} передано больше одного раза.")
    return items


async def login_submit(request: Request) -> Response:
    """``POST /oauth/authorize/login``: check e-mail and password, then back to the request."""
    sandbox = sandbox_of(request)
    items = await _small_form(request)
    if isinstance(items, Response):
        return items
    parsed = _parse(sandbox, items)
    if isinstance(parsed, str):
        return error_page(parsed)
    fields = dict(items)
    site = sandbox.store.site
    session = site.session(request.cookies.get(SESSION_COOKIE), sandbox.now_s())
    token = fields.get("form_token", "")
    if session is None or not site.spend_form(
        session, token, FormPurpose.LOGIN, parsed.params, sandbox.now_s()
    ):
        return error_page(_STALE_FORM, 403)
    email, password = fields.get("email", ""), fields.get("password", "")
    login = site.find_login(email)
    if login is None or not login.check(password):
        return _login_form(
            sandbox,
            request,
            session,
            parsed,
            email=email,
            error="Неверная почта или пароль.",
            status=400,
        )
    if parsed.wrong_role(login.kind):
        return _login_form(
            sandbox,
            request,
            session,
            parsed,
            email=email,
            error="Этот аккаунт другой роли.",
            status=400,
        )
    fresh = site.log_in(session, login, sandbox.now_s())
    back = RedirectResponse(f"/oauth/authorize?{parsed.query(force_login=None)}", 303)
    return _with_cookie(back, request, fresh)


async def authorize_decision(request: Request) -> Response:
    """``POST /oauth/authorize``: «Разрешить» (302 with ``code``) or «Отказать»
    (302 with ``error=access_denied``)."""
    sandbox = sandbox_of(request)
    items = await _small_form(request)
    if isinstance(items, Response):
        return items
    parsed = _parse(sandbox, items)
    if isinstance(parsed, str):
        return error_page(parsed)
    fields = dict(items)
    session, login = _session_login(sandbox, request)
    if session is None or login is None:
        return error_page("Вход на hh.ru истёк. Откройте вход заново из приложения.", 403)
    token = fields.get("form_token", "")
    site = sandbox.store.site
    if not site.spend_form(session, token, FormPurpose.CONSENT, parsed.params, sandbox.now_s()):
        return error_page(_STALE_FORM, 403)
    if parsed.wrong_role(login.kind):
        return error_page(_ASK_ROLE[parsed.role or login.kind], 403)
    decision = fields.get("decision")
    if decision == "deny":
        return _answer(parsed, {"error": "access_denied"})
    if decision != "allow":
        return error_page("Нажмите «Разрешить» или «Отказать».")
    return _grant(sandbox, parsed, login)


def authorize_routes() -> list[Route]:
    """The browser pages of the authorization (no User-Agent rule: browsers send their own)."""
    return [
        Route("/oauth/authorize", authorize_page, methods=["GET"]),
        Route("/oauth/authorize", authorize_decision, methods=["POST"]),
        Route("/oauth/authorize/login", login_submit, methods=["POST"]),
    ]
