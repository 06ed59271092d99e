"""The application's lifecycle on a portal, as Bitrix24 runs it, with the events each step sends.

Sources (Bitrix24 REST docs):

* ``settings/app-installation/installation-finish.md`` and ``local-apps/installation-master.md``:
  an application with an interface counts as not installed until its installer calls
  ``installFinish``. Until then administrators get the installer ("initial installation path"),
  other users a "not fully installed" message, widgets stay hidden and events are not sent.
  ``installFinish`` on the installer reloads the page, which then runs the application.
* ``api-reference/common/events/on-app-install.md``: ONAPPINSTALL, with the installing user's
  tokens, right after the installation; "events will not be sent to the application until the
  installation is complete". Its handler "can be set in the installation script" (``event.bind``
  from the installer) or in the version card (``install_handler_url`` here).
* ``on-app-update.md``: ONAPPUPDATE with ``VERSION``, ``PREVIOUS_VERSION`` and "the updated
  ``application_token``" (read as: a new one, the stricter reading; the admin action can keep it).
* ``on-app-uninstall.md``: ONAPPUNINSTALL carries no tokens, only the application token.
"""

from __future__ import annotations

from hhsync.sandbox.bitrix.app_state import EventDelivery
from hhsync.sandbox.bitrix.events import bound_handlers, deliver
from hhsync.sandbox.bitrix.install import (
    install_event_form,
    uninstall_event_form,
    update_event_form,
)
from hhsync.sandbox.bitrix.rest import BitrixSandbox
from hhsync.sandbox.bitrix.store import Portal, now_iso


def begin_install(portal: Portal) -> None:
    """The administrator confirmed the installation: the installer runs until it finishes."""
    portal.installed = True
    portal.install_finished = False


async def finish_install(
    sandbox: BitrixSandbox, portal: Portal, user_id: int, base: str
) -> list[EventDelivery]:
    """``installFinish``: the app becomes installed and ONAPPINSTALL goes out, once.

    Every call is counted; a repeated one (or one outside an installation) changes nothing.
    """
    portal.app.install_finish_count += 1
    if not portal.installed or portal.install_finished:
        return []
    portal.install_finished = True
    grant = sandbox.issue_tokens(portal, user_id)
    lifetime = sandbox.config.access_token_lifetime_s
    form = install_event_form(base, portal, grant, lifetime, int(sandbox.now_s()))
    handlers = bound_handlers(portal, "ONAPPINSTALL")
    if sandbox.config.install_handler_url:
        handlers.append(sandbox.config.install_handler_url)
    return await deliver(portal, "ONAPPINSTALL", handlers, form, now_iso(sandbox.now()))


async def update_app(
    sandbox: BitrixSandbox,
    portal: Portal,
    version: int,
    user_id: int,
    base: str,
    new_application_token: bool = True,
) -> list[EventDelivery]:
    """A new version of the app is installed: ONAPPUPDATE to the handlers bound to it."""
    if not portal.installed:
        raise ValueError("the application is not installed on this portal")
    if version <= portal.app.version:
        raise ValueError(f"version must be above the installed {portal.app.version}")
    if user_id not in portal.users:
        raise ValueError(f"portal {portal.domain} has no user {user_id}")
    previous = portal.app.version
    portal.app.version = version
    if new_application_token:
        portal.application_token = f"{sandbox.rng.getrandbits(128):032x}"
    if not portal.install_finished:
        return []  # no event reaches an application whose installation is not finished
    grant = sandbox.issue_tokens(portal, user_id)
    lifetime = sandbox.config.access_token_lifetime_s
    form = update_event_form(base, portal, grant, lifetime, previous, int(sandbox.now_s()))
    handlers = bound_handlers(portal, "ONAPPUPDATE")
    return await deliver(portal, "ONAPPUPDATE", handlers, form, now_iso(sandbox.now()))


async def uninstall_app(
    sandbox: BitrixSandbox, portal: Portal, base: str, clean: bool, handler_url: str | None
) -> list[EventDelivery]:
    """Remove the app: tokens die, bindings go, ONAPPUNINSTALL to the bound handlers.

    ``handler_url`` (admin API) replaces the bound handlers and is always sent to.
    """
    finished = portal.install_finished
    bound = sandbox.uninstall(portal)
    portal.app.forget(clean)
    form = uninstall_event_form(base, portal, clean, int(sandbox.now_s()))
    handlers = [handler_url] if handler_url else (bound if finished else [])
    return await deliver(portal, "ONAPPUNINSTALL", handlers, form, now_iso(sandbox.now()))
