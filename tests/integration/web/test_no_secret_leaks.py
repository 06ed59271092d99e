"""No secret anywhere: a whole install, hh.ru login, sync pass and uninstall through the front door,
then every secret that existed is looked for in everything hhsync wrote or served.

The daemon is :class:`~hhsync.service.runner.Runner` in this process, on a real PostgreSQL
database, its web server on a real port; both sandboxes are served over HTTP and wired to it as
a real setup is (:mod:`hhsync.testing.door_setup`). The administrator is the browserless door
driver. Captured: every log line (structlog JSON at debug, the standard library's loggers
through the same pipeline), every answer the driver got from hhsync (headers and body), and
``/metrics``. Looked for (:mod:`hhsync.testing.leaks`, also percent-encoded, escaped, as hex or
base64): every Bitrix24 access and refresh token and application token the sandbox issued,
every hh.ru token pair and code, both client secrets, the token key, the signing secret and the
keys derived from it; and in the logs and metrics also the app page's session tokens and the
hh.ru login's ``state`` values, which only their own pages may carry.
"""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import structlog
from pydantic import SecretStr
from sqlmodel import col, select

from hhsync.config import LogFormat, Settings
from hhsync.db import portals
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import PortalStatus, SyncRun
from hhsync.log import configure, get_logger
from hhsync.sandbox.bitrix.app import create_app as create_bitrix
from hhsync.sandbox.bitrix.rest import BitrixSandbox
from hhsync.sandbox.hh.app import create_app as create_hh
from hhsync.sandbox.hh.runtime import HhSandbox
from hhsync.service.runner import Runner
from hhsync.testing.door import AppPage, DoorDriver, HostPortal, new_host_portal
from hhsync.testing.door_setup import bitrix_for_door, door_settings, hh_for_door
from hhsync.testing.leaks import Secret, scan
from hhsync.testing.portal import save_sandbox_settings
from hhsync.testing.server import free_port, serve_all
from hhsync.testing.settings import runner_settings
from hhsync.testing.world import small_employer
from hhsync.web.hh_login.state import STATE_PURPOSE

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

NOISY = ("httpx", "httpcore", "alembic", "apscheduler")
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) hhsync-tests"}


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Every log line of the process as JSON, debug and up; the logging set-up restored after."""
    saved = structlog.get_config()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in NOISY}
    out = io.StringIO()
    configure("debug", LogFormat.JSON, stream=out)
    try:
        yield out
    finally:
        structlog.configure(**saved)
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, was in levels.items():
            logging.getLogger(name).setLevel(was)


def daemon_settings(
    hh_url: str, db_url: str, web_port: int, portal: HostPortal, hh: Any, bitrix: Any
) -> Settings:
    """The daemon's settings: the door on ``web_port``, one pass only, a signing secret set."""
    base = runner_settings(hh_url, db_url)
    base = base.model_copy(
        update={
            "web": base.web.model_copy(update={"host": "127.0.0.1", "port": web_port}),
            "sync": base.sync.model_copy(update={"poll_interval_s": 3600.0}),
            "security": base.security.model_copy(
                update={"state_signing_key": SecretStr(secrets.token_urlsafe(32))}
            ),
        }
    )
    return door_settings(
        base,
        public_url=f"http://127.0.0.1:{web_port}",
        hh_url=hh_url,
        hh=hh,
        bitrix=bitrix,
        server_endpoint=portal.server_endpoint,
    )


async def import_pass(database: Database, portal_id: int) -> SyncRun:
    """The portal's first finished pass that created CRM entities (waited for, within a bound);
    a pass that found the portal not yet configured may come before it."""
    async with asyncio.timeout(60):  # a bound on the wait, not a timing assertion
        while True:
            async with database.session() as session:
                query = select(SyncRun).where(col(SyncRun.portal_id) == portal_id)
                done = [r for r in (await session.exec(query)).all() if r.entities_created]
            if done:
                return done[0]
            await asyncio.sleep(0.2)


def every_secret(
    settings: Settings, bitrix: BitrixSandbox, hh: HhSandbox
) -> tuple[list[Secret], dict[str, int]]:
    """Every secret that existed, and how many of each kind (so an empty hunt cannot pass)."""
    found: list[Secret] = []
    tokens = bitrix.tokens
    found += [Secret("Bitrix24 access token", t) for t in tokens.access]
    found += [Secret("Bitrix24 refresh token", t) for t in tokens.refresh]
    found += [Secret("Bitrix24 code", c) for c in tokens.codes]
    found += [
        Secret("Bitrix24 application token", p.application_token) for p in bitrix.portals.values()
    ]
    store = hh.store
    found += [Secret("hh.ru access token", t) for t in store.tokens_by_access]
    found += [Secret("hh.ru refresh token", t) for t in store.tokens_by_refresh]
    found += [Secret("hh.ru code", c) for c in store.codes]
    security = settings.security
    assert security.token_key is not None
    assert security.state_signing_key is not None
    assert settings.hh.client_secret is not None
    assert settings.bitrix.client_secret is not None
    signing = security.state_signing_key.get_secret_value()
    found += [
        Secret("hh.ru client secret", settings.hh.client_secret.get_secret_value()),
        Secret("Bitrix24 client secret", settings.bitrix.client_secret.get_secret_value()),
        Secret("token key", security.token_key.get_secret_value()),
        Secret("signing secret", signing),
        Secret("session key", TokenCipher.derive_from_secret(signing, "session")),
        Secret("state key", TokenCipher.derive_from_secret(signing, STATE_PURPOSE)),
    ]
    kinds: dict[str, int] = {}
    for secret in found:
        kinds[secret.name] = kinds.get(secret.name, 0) + 1
    return found, kinds


def page_only_values(driver: DoorDriver, public_url: str) -> list[Secret]:
    """The session tokens and OAuth states hhsync handed the browser: fine in their own pages,
    never in a log line or a metric."""
    values: list[Secret] = []
    for exchange in driver.transcript.from_origin(public_url):
        if 'id="hhsync-app"' in exchange.body:
            session = exchange.body.split('data-session="', 1)[1].split('"', 1)[0]
            values.append(Secret("app page session", session))
        if '"authorize_url"' in exchange.body:
            query = parse_qs(urlsplit(exchange.body.split('"authorize_url":"', 1)[1]).query)
            values.append(Secret("hh.ru login state", query["state"][0].split('"')[0]))
    return values


async def walk_through(
    driver: DoorDriver, portal: HostPortal, email: str, database: Database
) -> tuple[AppPage, int]:
    """Install, open the app, log in at hh.ru, save the settings, wait for the first pass."""
    app = await driver.open_app(await driver.install(portal))
    account_id = await driver.link_hh(app, email)
    linked = await driver.linked(portal, account_id)
    await save_sandbox_settings(database, linked.portal_id, responsible_user_id=1)
    run = await import_pass(database, linked.portal_id)
    assert run.status == "ok", run
    status = await driver.api(app, "GET", "/app/api/status")
    assert status.status_code == 200
    assert status.json()["synced"] > 0
    await driver.open_app_page(portal)  # the page again, now showing the pass
    return app, linked.portal_id


async def test_install_login_pass_and_uninstall_leave_no_secret_in_logs_pages_or_metrics(
    captured_logs: io.StringIO, db_url: str
) -> None:
    web_port = free_port()
    public_url = f"http://127.0.0.1:{web_port}"
    hh_config = hh_for_door(public_url, small_employer())
    bitrix_config = bitrix_for_door(public_url, seed=7)
    hh_app, bitrix_app = create_hh(hh_config), create_bitrix(bitrix_config)
    database = Database(db_url, pool_size=8)
    stop = asyncio.Event()
    with serve_all(hh_app, bitrix_app) as (hh_url, bitrix_url):
        async with (
            httpx.AsyncClient(timeout=30, headers={"User-Agent": "hhsync-tests"}) as control,
            httpx.AsyncClient(timeout=30, headers=BROWSER) as browser,
        ):
            portal = await new_host_portal(control, bitrix_url)
            settings = daemon_settings(hh_url, db_url, web_port, portal, hh_config, bitrix_config)
            assert settings.security.token_key is not None
            cipher = TokenCipher(settings.security.token_key.get_secret_value())
            runner = Runner(settings, database, cipher, instance_id="leaks", tick_s=0.2)
            daemon = asyncio.create_task(runner.run(stop, handle_signals=False))
            try:
                await asyncio.wait_for(runner.started.wait(), 30)
                world = (await control.get(f"{hh_url}/_sandbox/state")).json()
                admin = next(m for m in world["employers"][0]["managers"] if m["is_admin"])
                driver = DoorDriver(browser, database)
                app, portal_id = await walk_through(driver, portal, admin["email"], database)

                gone = await control.post(
                    f"{bitrix_url}/_sandbox/portals/{portal.domain}/uninstall", json={}
                )
                assert list(gone.json()["handler_statuses"].values()) == [200]
                async with database.session() as session:
                    row = await portals.get_portal(session, portal_id)
                assert row is not None
                assert row.status == PortalStatus.UNINSTALLED
                after = await driver.api(app, "GET", "/app/api/status")
                assert after.json()["status"] == PortalStatus.UNINSTALLED
                metrics = await control.get(f"{public_url}/metrics")
                assert metrics.status_code == 200
            finally:
                stop.set()
                await daemon
                await database.dispose()

    logs = captured_logs.getvalue()
    for event in ("b24.install_finished", "hh_login.linked", "sync.pass_finished"):
        assert f'"event": "{event}"' in logs, event
    assert '"event": "b24.app_uninstalled"' in logs
    answers = driver.transcript.from_origin(public_url)
    assert len(answers) >= 8  # installer, app pages, login API, callback, lists, status
    texts = {"logs": logs, "metrics": metrics.text}
    texts |= {f"#{n} {answer.label}": answer.text() for n, answer in enumerate(answers)}

    found, kinds = every_secret(settings, bitrix_app.state.sandbox, hh_app.state.sandbox)
    assert kinds["Bitrix24 access token"] >= 3  # installer, app page twice, installFinish
    assert kinds["Bitrix24 application token"] == 1
    assert kinds["hh.ru access token"] >= 1
    assert kinds["hh.ru code"] >= 1
    page_only = page_only_values(driver, public_url)
    assert {s.name for s in page_only} == {"app page session", "hh.ru login state"}

    leaks = scan(texts, found) + scan({"logs": logs, "metrics": metrics.text}, page_only)
    assert leaks == []

    # The hunt can fail: the portal's own page, which posts the tokens into the frame, is
    # caught carrying them, and so is a token hhsync's logger writes under an innocent key.
    portal_pages = driver.transcript.from_origin(f"http://{portal.domain}")
    carried = scan({f"#{n} {a.label}": a.text() for n, a in enumerate(portal_pages)}, found)
    assert {"Bitrix24 access token", "Bitrix24 refresh token"} <= {c.secret for c in carried}
    planted = next(s for s in found if s.name == "hh.ru refresh token")
    get_logger("hhsync.planted").debug("planted", note=planted.value)
    caught = scan({"logs": captured_logs.getvalue()}, [planted])
    assert [(leak.secret, leak.where) for leak in caught] == [("hh.ru refresh token", "logs")]
