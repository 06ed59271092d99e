"""The account block and the popup's result page: hostile names escaped, buttons for admins only,
the popup's message addressed to the app's origin."""

from __future__ import annotations

import json
from html import unescape

from hhsync import texts
from hhsync.web.hh_login.pages import PAGE_HEADERS, result_page
from hhsync.web.hh_login.views import AccountView
from hhsync.web.templating import environment

HOSTILE = '</span><script>alert("x")</script><img src=x onerror=alert(1)>'


def _block(accounts: list[AccountView], can_write: bool) -> str:
    template = environment().get_template("hh_accounts.html")
    return template.render(
        accounts=accounts, session_token='tok"en<', can_write=can_write, texts=texts
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
    assert texts.HH_ACCOUNT_NEEDS_REAUTH in html
    assert texts.HH_ACCOUNT_OWN_VACANCIES_ONLY in html
    assert 'class="hh-account-logout" data-account-id="4"' in html
    assert 'class="hh-login"' in html
    assert "hidden" in html.split('class="hh-accounts-empty"')[1].split(">")[0]


def test_without_write_rights_there_are_no_buttons() -> None:
    html = _block([_account(is_admin=True, needs_reauth=False, status="active")], False)
    assert "hh-account-logout" not in html
    assert 'class="hh-login"' not in html
    assert texts.HH_ADMIN_ONLY in html


def test_an_empty_block_says_so_and_hands_the_script_its_words() -> None:
    html = _block([], can_write=True)
    assert texts.HH_ACCOUNTS_EMPTY in html
    raw = html.split('id="hh-accounts-texts">')[1].split("</script>")[0]
    assert json.loads(raw) == texts.HH_LOGIN_JS_TEXTS


def test_the_result_page_escapes_and_addresses_the_app_origin() -> None:
    page = result_page(
        status=200,
        title=texts.HH_SYNC_ACTIVE,
        message=texts.HH_SYNC_ACTIVE_ACCOUNT.format(account=HOSTILE),
        warning=texts.HH_NOT_ADMIN_WARNING,
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


def test_a_public_url_with_a_path_prefix_reaches_the_api_and_the_popup_script() -> None:
    # Behind a proxy at https://example.com/hhsync the page's calls and the popup's script must
    # keep the prefix; a root-relative "/app/api/hh" would leave hhsync.
    template = environment().get_template("hh_accounts.html")
    html = template.render(
        accounts=[],
        session_token="t",
        can_write=True,
        texts=texts,
        hh_api_url="https://example.com/hhsync/app/api/hh",
    )
    assert 'data-api-url="https://example.com/hhsync/app/api/hh"' in html
    page = result_page(
        status=200,
        title="t",
        message="m",
        app_origin="https://example.com",
        ok=True,
        static_url="https://example.com/hhsync/static",
    )
    assert 'src="https://example.com/hhsync/static/hh_login_done.js"' in page.body.decode()
