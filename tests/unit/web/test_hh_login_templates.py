"""The account block and the popup's result page: hostile names escaped, buttons for admins only,
the popup's message addressed to the app's origin."""

from __future__ import annotations

import json
from html import unescape

import pytest

from hhsync import texts
from hhsync.web.app_api.auth import AuthTab, script_texts
from hhsync.web.hh_login.pages import PAGE_HEADERS, result_page
from hhsync.web.hh_login.views import AccountView
from hhsync.web.i18n import translator
from hhsync.web.templating import environment

HOSTILE = '</span><script>alert("x")</script><img src=x onerror=alert(1)>'
T = translator("ru")


def _auth() -> AuthTab:
    return AuthTab(True, "sync_active", False, None, script_texts(T))


def _block(accounts: list[AccountView], can_write: bool, **extra: object) -> str:
    template = environment().get_template("hh_accounts.html")
    return template.render(
        accounts=accounts,
        session_token='tok"en<',
        can_write=can_write,
        t=T,
        auth=_auth(),
        texts=texts,
        **extra,
    )


def _account(**changes: object) -> AccountView:
    base: dict[str, object] = {
        "id": 4,
        "employer_name": HOSTILE,
        "manager_name": "Анна",
        "is_admin": False,
        "status": "needs_reauth",
        "needs_reauth": True,
    }
    return AccountView(**{**base, **changes})  # type: ignore[arg-type]


def test_names_and_the_token_are_escaped() -> None:
    html = _block([_account()], can_write=True)
    assert "<script>" not in html
    assert "onerror=alert(1)>" not in html
    assert HOSTILE in unescape(html)
    assert 'data-session-token="tok&#34;en&lt;"' in html


def test_the_block_says_what_each_account_needs() -> None:
    html = _block([_account()], can_write=True)
    assert T("auth.account_needs_reauth") in html
    assert T("auth.account_own_vacancies_only") in html
    logout = 'class="ui-btn --air ui-btn-sm --style-plain hh-account-logout" data-account-id="4"'
    assert logout in html
    # an account is linked: the login button adds another
    assert "--style-outline hh-login" in html
    assert T("auth.add_account") in html
    assert "hidden" in html.split('class="hh-accounts-empty app-muted"')[1].split(">")[0]


def test_without_write_rights_there_are_no_buttons() -> None:
    html = _block([_account(is_admin=True, needs_reauth=False, status="active")], False)
    assert "hh-account-logout" not in html
    assert "hh-login" not in html
    assert "<button" not in html
    assert T("auth.admin_only") in html


def test_an_empty_block_says_so_and_hands_the_script_its_words() -> None:
    html = _block([], can_write=True)
    assert T("auth.accounts_empty") in html
    assert "--style-filled hh-login" in html
    assert f">{T('auth.login')}</button>" in html
    raw = html.split('id="hh-accounts-texts">')[1].split("</script>")[0]
    assert json.loads(raw) == script_texts(T)


def test_the_result_page_escapes_and_addresses_the_app_origin() -> None:
    page = result_page(
        T,
        status=200,
        title=T("login.linked_title"),
        message=T("login.linked_account", account=HOSTILE),
        warning=T("login.not_admin_warning"),
        app_origin="https://hhsync.example.com",
        ok=True,
        account_id=4,
        close_after_ms=10000,
    )
    html = bytes(page.body).decode()
    assert "<script>alert" not in html
    assert HOSTILE in unescape(html)
    assert 'data-origin="https://hhsync.example.com"' in html
    assert 'data-close-after-ms="10000"' in html
    notice = json.loads(unescape(html.split('data-notice="')[1].split('"')[0]))
    assert notice == {"type": "hhsync:hh-login", "ok": True, "account_id": 4}
    for header, value in PAGE_HEADERS.items():
        assert page.headers[header] == value
    assert 'class="ui-btn --air ui-btn-md --style-filled hh-login-close"' in html
    assert T("login.window_close") in html


def test_the_result_page_speaks_the_app_pages_language() -> None:
    english = translator("en")
    page = result_page(
        english,
        status=200,
        title=english("login.linked_title"),
        message=english("login.linked_account", account="Acme — Jane"),
        app_origin="https://a.example",
        ok=True,
        close_after_ms=4000,
    )
    html = bytes(page.body).decode()
    assert '<html lang="en">' in html
    assert ">Close</button>" in html
    assert "This window closes by itself" in html
    assert "Закрыть" not in html


def test_the_result_page_is_styled_from_its_own_origin_and_closes_slowly() -> None:
    page = result_page(
        T, status=200, title="t", message="m", app_origin="https://a.example", ok=True
    )
    html = bytes(page.body).decode()
    assert '<link rel="stylesheet" href="/static/app/app.css">' in html
    assert "<style" not in html
    assert "style-src 'self'" in PAGE_HEADERS["Content-Security-Policy"]
    with pytest.raises(ValueError, match="cannot be read"):
        result_page(
            T,
            status=200,
            title="t",
            message="m",
            app_origin="https://a",
            ok=True,
            close_after_ms=2000,
        )


def test_a_public_url_with_a_path_prefix_reaches_the_api_and_the_popup_script() -> None:
    # Behind a proxy at https://example.com/hhsync the page's calls and the popup's script must
    # keep the prefix; a root-relative "/app/api/hh" would leave hhsync.
    html = _block([], can_write=True, hh_api_url="https://example.com/hhsync/app/api/hh")
    assert 'data-api-url="https://example.com/hhsync/app/api/hh"' in html
    page = result_page(
        T,
        status=200,
        title="t",
        message="m",
        app_origin="https://example.com",
        ok=True,
        static_url="https://example.com/hhsync/static",
    )
    assert 'src="https://example.com/hhsync/static/hh_login_done.js"' in page.body.decode()
