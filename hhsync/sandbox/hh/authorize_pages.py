"""The HTML of the sandbox's authorize pages: login form, consent form, error page. Pure.

Every value that came from a request or from generated data is escaped (``html.escape`` with
quotes), attribute values are always double-quoted, and the pages refuse to be framed: hh.ru's
login page opens as a top-level window or popup, never inside another site.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from starlette.responses import HTMLResponse

PAGE_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
_STYLE = (
    "body{font-family:sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}"
    "label,input,button{display:block;width:100%;margin:.4rem 0;box-sizing:border-box}"
    "input,button{padding:.5rem;font-size:1rem}.error{color:#b00}.hint{color:#666;font-size:.9rem}"
    ".row{display:flex;gap:.5rem}.row button{flex:1}"
)


def _e(value: str) -> str:
    return escape(value, quote=True)


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    """A complete page with the no-framing headers."""
    html = (
        f'<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f"<style>{_STYLE}</style></head><body><h1>{_e(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


def error_page(message: str, status: int = 400) -> HTMLResponse:
    """hh.ru's refusal page: nothing is sent to the app."""
    return page("Ошибка авторизации", f'<p class="error">{_e(message)}</p>', status)


def _hidden(params: dict[str, str], form_token: str) -> str:
    fields = [(key, value) for key, value in params.items()]
    fields.append(("form_token", form_token))
    return "".join(
        f'<input type="hidden" name="{_e(key)}" value="{_e(value)}">' for key, value in fields
    )


@dataclass(frozen=True)
class LoginForm:
    """What the login form shows."""

    params: dict[str, str]
    form_token: str
    email: str = ""
    error: str | None = None
    notice: str | None = None
    hints: tuple[str, ...] = ()


def login_page(form: LoginForm, status: int = 200) -> HTMLResponse:
    """«Вход на hh.ru»: e-mail and password, then back to the authorize request."""
    parts = []
    if form.notice:
        parts.append(f"<p>{_e(form.notice)}</p>")
    if form.error:
        parts.append(f'<p class="error">{_e(form.error)}</p>')
    hidden = _hidden(form.params, form.form_token)
    parts.append(
        f'<form method="post" action="/oauth/authorize/login">{hidden}'
        f'<label for="email">Электронная почта</label>'
        f'<input id="email" name="email" type="email" autocomplete="username" required '
        f'value="{_e(form.email)}">'
        f'<label for="password">Пароль</label>'
        f'<input id="password" name="password" type="password" '
        f'autocomplete="current-password" required>'
        f'<button type="submit">Войти</button></form>'
    )
    if form.hints:
        items = "".join(f"<li>{_e(hint)}</li>" for hint in form.hints)
        parts.append(f'<div class="hint"><p>Песочница hh.ru:</p><ul>{items}</ul></div>')
    return page("Вход на hh.ru", "".join(parts), status)


@dataclass(frozen=True)
class ConsentForm:
    """What the consent form shows."""

    params: dict[str, str]
    form_token: str
    client_name: str
    user_name: str
    user_role: str
    other_account_query: str
    granted_before: bool


def consent_page(form: ConsentForm) -> HTMLResponse:
    """«Разрешить»/«Отказать» for the logged-in user, with a way to log in as someone else."""
    ask = (
        f"Продолжить работу в приложении «{_e(form.client_name)}» под этим аккаунтом?"
        if form.granted_before
        else f"Приложение «{_e(form.client_name)}» запрашивает доступ к вашему аккаунту на hh.ru."
    )
    body = (
        f"<p>Вы вошли как <strong>{_e(form.user_name)}</strong> ({_e(form.user_role)}).</p>"
        f"<p>{ask}</p>"
        f'<form method="post" action="/oauth/authorize">{_hidden(form.params, form.form_token)}'
        f'<div class="row"><button type="submit" name="decision" value="allow">Разрешить</button>'
        f'<button type="submit" name="decision" value="deny">Отказать</button></div></form>'
        f'<p><a href="/oauth/authorize?{_e(form.other_account_query)}">'
        f"Войти под другим аккаунтом</a></p>"
    )
    return page("Доступ к аккаунту", body)
