"""The «Авторизация» tab: its words in both languages, hostile account names escaped, and the
banners and the sync line following the stored state."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from hhsync.model.kinds import PortalStatus
from hhsync.web.app_api.auth import AuthTab, script_texts
from hhsync.web.app_api.auth_state import (
    SCRIPT_KEYS,
    AccountState,
    needs_relogin,
    portal_banner,
    sync_state_key,
)
from hhsync.web.bitrix_door.status import PortalStatusView
from hhsync.web.hh_login.views import AccountView
from hhsync.web.i18n import LANGUAGES, catalogue, translator
from hhsync.web.messages import auth as auth_messages
from hhsync.web.templating import environment

HOSTILE = '</script><img src=x onerror=alert(1)>"{reason}'
ACTIVE = AccountState(needs_reauth=False)
PARKED = AccountState(needs_reauth=True)


def _status(status: str = "active", reason: str | None = None) -> PortalStatusView:
    return PortalStatusView(
        status=status,
        status_label=f"label-{status}",
        reason=reason,
        last_pass_at=None,
        last_pass_status=None,
        last_pass_label="never",
        synced=3,
        failed=1,
        queued=2,
    )


def _account(account_id: int = 7, *, needs_reauth: bool = False) -> AccountView:
    return AccountView(
        id=account_id,
        employer_name=HOSTILE,
        manager_name="Мария <b>",
        is_admin=True,
        status="needs_reauth" if needs_reauth else "active",
        needs_reauth=needs_reauth,
    )


def _render(
    language: str = "ru",
    *,
    accounts: list[AccountView] | None = None,
    status: str = "active",
    reason: str | None = None,
    configured: bool = True,
    can_write: bool = True,
) -> str:
    t = translator(language)
    linked = accounts or []
    states = [AccountState(a.needs_reauth) for a in linked]
    tab = AuthTab(
        configured=configured,
        sync_key=sync_state_key(status, configured, states, can_write),
        relogin=needs_relogin(states),
        portal_banner=portal_banner(status, reason, can_write),
        script_texts=script_texts(t),
    )
    return (
        environment()
        .get_template("tabs/auth.html")
        .render(
            t=t,
            status=_status(status, reason),
            accounts=linked,
            can_write=can_write,
            session_token="s",
            tabs={"auth_tab": tab},
        )
    )


def _element(html: str, element_id: str) -> str:
    """The opening tag of the element with ``element_id`` ('' when absent)."""
    found = re.search(rf'<[a-z]+ id="{element_id}"[^>]*>', html)
    return found.group(0) if found else ""


def _texts_island(html: str) -> dict[str, str]:
    raw = html.split('id="hh-accounts-texts">')[1].split("</script>")[0]
    loaded: dict[str, str] = json.loads(raw)
    return loaded


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_tab_speaks_the_sessions_language_and_the_script_gets_the_same(language: str) -> None:
    t = translator(language)
    html = _render(language, accounts=[_account()])
    shown = unescape(html)
    for key in ("status_heading", "accounts_title", "synced_count", "add_account", "logout"):
        assert t(f"auth.{key}") in shown, key
    assert t("auth.sync_active") in shown
    assert _texts_island(html) == {name: t(f"auth.{key}") for name, key in SCRIPT_KEYS.items()}
    other = translator("en" if language == "ru" else "ru")
    assert other("auth.accounts_title") not in html


def test_every_word_the_script_needs_is_in_the_catalogue() -> None:
    for language in LANGUAGES:
        assert {f"auth.{key}" for key in SCRIPT_KEYS.values()} <= set(catalogue(language))
    assert set(auth_messages.RU) == set(auth_messages.EN)


@pytest.mark.parametrize("language", LANGUAGES)
def test_hostile_account_names_are_escaped(language: str) -> None:
    html = _render(language, accounts=[_account(needs_reauth=True)])
    assert "<img src=x" not in html
    assert "</script><img" not in html.split('id="hh-accounts-texts"')[0]
    assert "Мария <b>" not in html
    assert HOSTILE in unescape(html)
    # the JSON island cannot be closed early by a name either
    assert html.count("</script>") == 1


def test_no_banner_for_a_running_portal_with_working_accounts() -> None:
    html = _render(accounts=[_account()])
    assert 'id="auth-banner-portal"' not in html
    assert " hidden" in _element(html, "auth-banner-reauth")


def test_an_account_that_lost_its_login_raises_the_relogin_banner_with_the_login_button() -> None:
    t = translator("ru")
    html = _render(accounts=[_account(1), _account(2, needs_reauth=True)])
    banner = _element(html, "auth-banner-reauth")
    assert banner
    assert "hidden" not in banner
    shown = html.split(banner)[1].split("</div>")[0]
    assert t("auth.reauth_title") in shown
    assert re.search(r'<button type="button" class="[^"]*\bhh-login\b[^"]*">', shown)
    # another account still syncs, so the sync line stays active
    assert 'data-state="sync_active"' in html


def test_a_reader_sees_the_relogin_banner_without_a_button() -> None:
    html = _render(accounts=[_account(needs_reauth=True)], can_write=False)
    banner = _element(html, "auth-banner-reauth")
    shown = html.split(banner)[1].split("</div>")[0]
    assert translator("ru")("auth.reauth_text_reader") in shown
    assert "<button" not in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_dead_bitrix24_tokens_tell_the_admin_to_reopen_and_the_reader_to_ask(language: str) -> None:
    t = translator(language)
    admin = _render(language, accounts=[_account()], status=PortalStatus.NEEDS_REAUTH)
    banner = _element(admin, "auth-banner-portal")
    assert "app-banner --danger" in banner
    assert t("auth.portal_reauth_text_admin") in unescape(admin)
    assert 'id="auth-portal-reopen"' in admin
    reader = _render(
        language, accounts=[_account()], status=PortalStatus.NEEDS_REAUTH, can_write=False
    )
    assert t("auth.portal_reauth_text") in unescape(reader)
    assert 'id="auth-portal-reopen"' not in reader
    assert 'data-state="sync_portal_stopped"' in reader


def test_a_pause_for_payment_says_pay_and_an_operators_pause_shows_its_reason() -> None:
    t = translator("ru")
    paid = _render(status=PortalStatus.PAUSED, reason="crm.lead.add: PAYMENT_REQUIRED (x)")
    assert "app-banner --warning" in _element(paid, "auth-banner-portal")
    assert t("auth.portal_paused_payment") in paid
    paused = _render(status=PortalStatus.PAUSED, reason=HOSTILE)
    assert t("auth.portal_paused_operator") in paused
    assert t("auth.portal_paused_reason", reason=HOSTILE) in unescape(paused)
    assert "<img src=x" not in paused


def test_sync_is_active_only_with_settings_saved_and_a_working_account() -> None:
    assert sync_state_key("active", True, [ACTIVE], True) == "sync_active"
    assert sync_state_key("active", True, [PARKED, ACTIVE], True) == "sync_active"
    assert sync_state_key("active", False, [ACTIVE], True) == "sync_needs_settings"
    assert sync_state_key("active", True, [], True) == "sync_needs_account"
    assert sync_state_key("active", True, [], False) == "sync_needs_account_reader"
    assert sync_state_key("active", True, [PARKED], True) == "sync_needs_relogin"
    for stopped in ("paused", "needs_reauth", "uninstalled"):
        assert sync_state_key(stopped, True, [ACTIVE], True) == "sync_portal_stopped"


def test_a_simple_crm_portal_with_leads_chosen_is_named_after_the_settings() -> None:
    """The last pass found leads chosen on a portal without leads (crm.settings.mode.get = 2)."""
    assert sync_state_key("active", True, [ACTIVE], True, leads_off=True) == "sync_leads_off"
    assert sync_state_key("active", False, [ACTIVE], True, leads_off=True) == "sync_needs_settings"
    t = translator("ru")
    tab = AuthTab(
        configured=True,
        sync_key="sync_leads_off",
        relogin=False,
        portal_banner=None,
        script_texts=script_texts(t),
        leads_off=True,
    )
    assert tab.script_texts["syncLeadsOff"] == t("auth.sync_leads_off")


def test_unsaved_settings_point_to_the_settings_tab() -> None:
    t = translator("ru")
    html = _render(accounts=[_account()], configured=False)
    line = _element(html, "auth-sync-state")
    assert 'data-state="sync_needs_settings"' in line
    assert 'data-configured="false"' in line
    assert "Выберите настройки на вкладке «Настройки»" in html
    assert t("auth.sync_active") not in html


def test_the_login_button_reads_login_first_and_add_account_after() -> None:
    t = translator("ru")
    empty = _render()
    assert f">{t('auth.login')}</button>" in empty
    linked = _render(accounts=[_account()])
    assert f">{t('auth.add_account')}</button>" in linked
    assert "#hh-accounts" not in linked  # one hh-login in the card, one at most in the banner
    card = linked.split('id="hh-accounts"')[1]
    assert card.count("hh-login") == 1


@pytest.mark.parametrize(
    ("code", "tone", "text_key"),
    [
        ("OVERLOAD_LIMIT", "warning", "portal_blocked_text"),
        ("METHOD_CONFIRM_WAITING", "warning", "portal_confirm_text"),
        ("WRONG_AUTH_TYPE", "danger", "portal_wrong_auth_text"),
        ("ERROR_WRONG_CONTEXT", "danger", "portal_wrong_auth_text"),
    ],
)
def test_a_running_portal_held_by_bitrix24_says_who_must_act(
    code: str, tone: str, text_key: str
) -> None:
    reason = f"Bitrix24: Bitrix24 crm.lead.add: something ({code}: words)"
    banner = portal_banner(PortalStatus.ACTIVE, None, True, reason)
    assert banner is not None
    assert (banner.tone, banner.text_key, banner.reason) == (tone, text_key, reason)
    for language in LANGUAGES:
        t = translator(language)
        assert t(f"auth.{banner.title_key}") != f"auth.{banner.title_key}"
        assert t(f"auth.{banner.text_key}") != f"auth.{banner.text_key}"


def test_passing_trouble_raises_no_portal_banner() -> None:
    reason = "Bitrix24: Bitrix24 batch: server error (HTTP 502)"
    assert portal_banner(PortalStatus.ACTIVE, None, True, reason) is None
    assert portal_banner(PortalStatus.ACTIVE, None, True, None) is None
