"""``hhsync demo``: the real daemon on both sandboxes, with responses arriving while you watch.

Everything runs in one process: the hh.ru and Bitrix24 sandboxes (uvicorn, same event loop), a
fresh embedded SQLite database under ``<state_dir>/demo`` (the sandboxes forget everything on
exit, so the database starts afresh too), and the daemon, :class:`~hhsync.service.runner.Runner`
itself. The demo portal is ``localhost:<Bitrix24 sandbox port>``, a portal a browser can open;
the app gets onto it through the front door, as an administrator would get it there
(:class:`~hhsync.testing.door.DoorDriver`): the portal's install page, hhsync's installer in the
portal's frame, ``installFinish``, the app page, «Войти» with the hh.ru sandbox's admin manager.
Then lead mode is saved (responses → NEW, invitations → IN_PROCESS), a feeder adds a response
every few seconds and now and then moves an earlier one to another employer state, and a reporter
prints one line of counts.

A second portal is left for a person to click through (``localhost:<second Bitrix24 port>``: the
same sandbox answers on a second port, so the portal has its own browser origin): the app is
installed on it through the door, but no hh.ru account is linked and nothing is configured. The
demo prints its app page and the second hh.ru company's admin login; «Войти», «Настройки» and
«Сохранить» there start its import, and the feeder's responses reach it too.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import httpx
import uvicorn

from hhsync.config import Settings
from hhsync.db import migrate, portals, state
from hhsync.db.crypto import cipher_from_settings
from hhsync.db.session import EMBEDDED_DB_NAME, Database
from hhsync.errors import HhsyncError
from hhsync.sandbox.bitrix.app import BitrixSandboxConfig
from hhsync.sandbox.bitrix.app import create_app as create_bitrix
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.sandbox.hh.app import create_app as create_hh
from hhsync.sandbox.hh.runtime import REALISTIC_RESUME_PDF_BYTES, REALISTIC_ROUND_TRIP_S
from hhsync.sandbox.hh.site import DEMO_PASSWORD
from hhsync.service.runner import Runner
from hhsync.service.web_server import EmbeddedServer, bind
from hhsync.testing.door import DoorDriver, DoorLink, HostPortal, new_host_portal
from hhsync.testing.door_setup import bitrix_for_door, door_settings, hh_for_door
from hhsync.testing.portal import save_sandbox_settings

DEMO_INSTANCE: Final = "demo"
BROWSER_AGENT: Final = "Mozilla/5.0 (X11; Linux x86_64) hhsync-demo"
STATE_CHANGES: Final = ("consider", "phone_interview", "interview", "offer")


@dataclass(frozen=True)
class DemoOptions:
    """What the operator may choose; port 0 means any free port."""

    host: str = "127.0.0.1"
    hh_port: int = 0
    bitrix_port: int = 0
    by_hand_port: int = 0
    """The Bitrix24 sandbox's second port: the origin of the portal a person sets up by hand."""
    web_port: int = 0
    poll_interval_s: float = 10.0
    new_response_every_s: float = 3.0
    duration_s: float | None = None
    seed: int = 1


@dataclass
class DemoCounts:
    """The live line: hh.ru's side against the CRM's."""

    hh_negotiations: int = 0
    crm_leads: int = 0
    failed: int = 0

    def line(self) -> str:
        """One line for the terminal."""
        return (
            f"hh.ru negotiations: {self.hh_negotiations:4d} | CRM leads: {self.crm_leads:4d} | "
            f"failed: {self.failed}"
        )


def demo_settings(
    base: Settings,
    options: DemoOptions,
    *,
    hh_url: str,
    web_port: int,
    hh: HhSandboxConfig,
    bitrix: BitrixSandboxConfig,
    server_endpoint: str,
    also_trusted: tuple[str, ...] = (),
) -> Settings:
    """The operator's settings, redirected to the sandboxes and the demo's embedded database.

    The sandboxes' own applications (public demo credentials), the Bitrix24 sandbox's OAuth server
    (the host ``server_endpoint`` names, and those of ``also_trusted``: the same sandbox on its
    other ports) as the ones trusted, and the web handler's real address as ``web.public_url``:
    the address the sandboxes were told (:mod:`hhsync.testing.door_setup`).
    """
    local = base.model_copy(
        update={
            "state_dir": base.state_dir / "demo",
            "database": base.database.model_copy(update={"url": None}),
            "security": base.security.model_copy(update={"token_key": None}),
            "hh": base.hh.model_copy(update={"user_agent_contact": "demo@hhsync.invalid"}),
            "web": base.web.model_copy(update={"host": options.host, "port": web_port}),
            "sync": base.sync.model_copy(update={"poll_interval_s": options.poll_interval_s}),
        }
    )
    settings = door_settings(
        local,
        public_url=_public_url(options, web_port),
        hh_url=hh_url,
        hh=hh,
        bitrix=bitrix,
        server_endpoint=server_endpoint,
    )
    trusted = [*settings.bitrix.oauth_servers, *(urlsplit(url).netloc for url in also_trusted)]
    return settings.model_copy(
        update={"bitrix": settings.bitrix.model_copy(update={"oauth_servers": trusted})}
    )


def _public_url(options: DemoOptions, web_port: int) -> str:
    return f"http://{_local(options.host)}:{web_port}"


async def run_demo(
    base: Settings, options: DemoOptions, stop: asyncio.Event, say: Callable[[str], None]
) -> DemoCounts:
    """Run until ``stop`` is set or ``options.duration_s`` passes; returns the final counts."""
    hh_sock, bitrix_sock, by_hand_sock = (
        bind(options.host, options.hh_port),
        bind(options.host, options.bitrix_port),
        bind(options.host, options.by_hand_port),
    )
    web_sock = bind(options.host, options.web_port)
    web_port = web_sock.getsockname()[1]
    web_sock.close()  # the runner binds it again; a race for it here would fail loudly there
    public_url = _public_url(options, web_port)
    # Realistic resume PDFs and hh.ru round trips (the sandbox's own assumptions, runtime.py).
    hh_config = hh_for_door(
        public_url,
        HhSandboxConfig(
            seed=options.seed,
            employers=2,
            vacancies_per_employer=4,
            resume_pdf_bytes=REALISTIC_RESUME_PDF_BYTES,
            latency_s=REALISTIC_ROUND_TRIP_S,
        ),
    )
    bitrix_config = bitrix_for_door(public_url, seed=options.seed)
    sandboxes = [
        _Served(create_hh(hh_config), [hh_sock], options.host),
        _Served(create_bitrix(bitrix_config), [bitrix_sock, by_hand_sock], options.host),
    ]
    hh_url, bitrix_url = sandboxes[0].url, sandboxes[1].url
    http = httpx.AsyncClient(headers={"User-Agent": "hhsync-demo"}, timeout=30)
    database: Database | None = None
    daemon: asyncio.Task[None] | None = None
    side: list[asyncio.Task[None]] = []
    try:
        for served in sandboxes:
            await served.start()
        portal = await new_host_portal(http, bitrix_url)
        by_hand = await new_host_portal(http, sandboxes[1].urls[1])
        settings = demo_settings(
            base,
            options,
            hh_url=hh_url,
            web_port=web_port,
            hh=hh_config,
            bitrix=bitrix_config,
            server_endpoint=portal.server_endpoint,
            also_trusted=(by_hand.server_endpoint,),
        )
        _fresh_database(settings)
        database = Database.from_settings(settings)
        runner = Runner(
            settings, database, cipher_from_settings(settings), instance_id=DEMO_INSTANCE
        )
        daemon = asyncio.create_task(runner.run(stop, handle_signals=False), name="daemon")
        await _started(runner, daemon)
        linked, by_hand_login = await _walk_in(http, hh_url, database, portal, by_hand)
        # The first save of the settings starts the import. The settings page is the next piece
        # of the app's front door; until it exists the demo saves what an HR team would choose.
        await save_sandbox_settings(database, linked.portal_id, responsible_user_id=1)
        say(
            f"Installed through hhsync's front door: portal {linked.domain} (#{linked.portal_id}), "
            f"hh.ru employer {linked.employer_id} linked (account #{linked.account_id})"
        )
        say(await _portal_saw(http, bitrix_url, linked.domain))
        say(f"hhsync in the Bitrix24 portal (sandbox): {portal.pages['app']}")
        say(f"Bitrix24 CRM (sandbox):  {portal.pages['crm']}")
        say(f"hh.ru sandbox state:     {hh_url}/_sandbox/state")
        say(f"hhsync metrics:          {runner.web_url}/metrics")
        say(f"Set up by hand (installed, not linked): {by_hand.pages['app']}")
        say(
            f"  «Войти» on hh.ru as {by_hand_login} / {DEMO_PASSWORD}, then «Настройки» → "
            "«Сохранить»: the import runs and new responses follow"
        )
        say("A new response arrives every few seconds; Ctrl-C stops the demo.")
        employer_id, domain = linked.employer_id, linked.domain
        employers = tuple(e["id"] for e in (await _hh_state(http, hh_url))["employers"])
        side = [
            asyncio.create_task(_feed(http, hh_url, employers, options, stop), name="feed"),
            asyncio.create_task(
                _report(http, hh_url, bitrix_url, employer_id, domain, database, stop, say),
                name="report",
            ),
        ]
        stopping = asyncio.create_task(stop.wait(), name="stop")
        # Ends on Ctrl-C, after --duration, or as soon as the daemon itself ends (a crash).
        await asyncio.wait(
            {stopping, daemon}, timeout=options.duration_s, return_when=asyncio.FIRST_COMPLETED
        )
        stopping.cancel()
        stop.set()
        await asyncio.gather(*side, return_exceptions=True)
        await daemon  # re-raises what killed it, if anything did
        return await _counts(http, hh_url, bitrix_url, employer_id, domain, database)
    finally:
        stop.set()
        for task in side:
            task.cancel()
        if daemon is not None and not daemon.done():
            await asyncio.wait({daemon})  # it stops cleanly before its database goes
        await http.aclose()
        if database is not None:
            await database.dispose()
        for served in sandboxes:
            await served.stop()


async def _hh_state(http: httpx.AsyncClient, hh_url: str) -> dict[str, Any]:
    world: dict[str, Any] = (await http.get(f"{hh_url}/_sandbox/state")).json()
    return world


async def _walk_in(
    http: httpx.AsyncClient,
    hh_url: str,
    database: Database,
    portal: HostPortal,
    by_hand: HostPortal,
) -> tuple[DoorLink, str]:
    """The administrator installs the app on ``portal`` and logs in with the first employer's
    admin manager; on ``by_hand`` the app is only installed. Returns the link and the e-mail
    of the second employer's admin manager, for the person who links ``by_hand``."""
    world = await _hh_state(http, hh_url)
    first, second = (
        next(m for m in employer["managers"] if m["is_admin"])
        for employer in world["employers"][:2]
    )
    async with httpx.AsyncClient(headers={"User-Agent": BROWSER_AGENT}, timeout=30) as browser:
        linked = await DoorDriver(browser, database).walk_in(portal, first["email"])
    async with httpx.AsyncClient(headers={"User-Agent": BROWSER_AGENT}, timeout=30) as browser:
        await DoorDriver(browser, database).install(by_hand)
    return linked, str(second["email"])


async def _portal_saw(http: httpx.AsyncClient, bitrix_url: str, domain: str) -> str:
    """What the portal recorded of the installation: installFinish calls, events, widgets."""
    app = (await http.get(f"{bitrix_url}/_sandbox/portals/{domain}/app")).json()
    events = ", ".join(f"{h['event']} → {h['handler']}" for h in app["event_handlers"])
    widgets = ", ".join(p["placement"] for p in app["placements"])
    return (
        f"The portal recorded: installFinish ×{app['install_finish_count']}; "
        f"events {events}; widgets {widgets}"
    )


def _local(host: str) -> str:
    """An address of this machine to put in URLs (a wildcard bind is reached on loopback)."""
    return "127.0.0.1" if host in {"", "0.0.0.0", "::"} else host  # noqa: S104 - compared only


class _Served:
    """A sandbox app served in this event loop, on one or more sockets (:attr:`urls`)."""

    def __init__(self, app: Any, socks: list[Any], host: str) -> None:
        self._socks = socks
        self.urls = [f"http://{_local(host)}:{sock.getsockname()[1]}" for sock in socks]
        self.url = self.urls[0]
        self._server = EmbeddedServer(
            uvicorn.Config(app, log_config=None, access_log=False, lifespan="off")
        )
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve(self._socks), name=self.url)
        while not self._server.started:
            if self._task.done():
                await self._task
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            await self._task
        for sock in self._socks:
            sock.close()


def _fresh_database(settings: Settings) -> None:
    """The sandboxes start empty every time, so the demo database does too."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{settings.state_dir / EMBEDDED_DB_NAME}{suffix}").unlink(missing_ok=True)
    migrate.upgrade(migrate.url_for(settings))


async def _started(runner: Runner, daemon: asyncio.Task[None]) -> None:
    waiter = asyncio.create_task(runner.started.wait())
    done, _ = await asyncio.wait([waiter, daemon], return_when=asyncio.FIRST_COMPLETED)
    if daemon in done:
        waiter.cancel()
        await daemon  # raises why it could not start
        raise RuntimeError("the daemon stopped during start-up")


def _open_vacancies(world: dict[str, Any], employer_id: str) -> list[dict[str, Any]]:
    return [v for v in world["vacancies"] if v["employer_id"] == employer_id and not v["archived"]]


async def _feed(
    http: httpx.AsyncClient,
    hh_url: str,
    employers: tuple[str, ...],
    options: DemoOptions,
    stop: asyncio.Event,
) -> None:
    """New responses on hh.ru (one invitation in five) for each employer in turn, and every
    fourth time a state change."""
    rng = random.Random(options.seed)  # noqa: S311 - demo traffic, not security
    added: list[str] = []
    while not await _stopped(stop, options.new_response_every_s):
        try:
            world = (await http.get(f"{hh_url}/_sandbox/state")).json()
            vacancies = _open_vacancies(world, employers[len(added) % len(employers)])
            if not vacancies:
                continue
            kind = "invitation" if rng.random() < 0.2 else "response"
            answer = await http.post(
                f"{hh_url}/_sandbox/negotiations",
                json={"vacancy_id": rng.choice(vacancies)["id"], "kind": kind},
            )
            answer.raise_for_status()
            added.append(str(answer.json()["id"]))
            if len(added) % 4 == 0:
                await http.post(
                    f"{hh_url}/_sandbox/negotiations/{rng.choice(added)}/state",
                    json={"employer_state": rng.choice(STATE_CHANGES)},
                )
        except (httpx.HTTPError, ValueError, KeyError):
            continue  # the sandbox is stopping with us, or refused one made-up response


async def _counts(
    http: httpx.AsyncClient,
    hh_url: str,
    bitrix_url: str,
    employer_id: str,
    domain: str,
    database: Database,
) -> DemoCounts:
    world = (await http.get(f"{hh_url}/_sandbox/state")).json()
    summary = (await http.get(f"{bitrix_url}/_sandbox/portals/{domain}")).json()
    failed = 0
    async with database.session() as session:
        for portal in await portals.list_portals(session):
            if portal.id is not None:
                failed += (await state.count_by_status(session, portal.id))["failed"]
    return DemoCounts(
        hh_negotiations=sum(v["negotiations"] for v in _open_vacancies(world, employer_id)),
        crm_leads=summary["counts"]["leads"],
        failed=failed,
    )


async def _report(
    http: httpx.AsyncClient,
    hh_url: str,
    bitrix_url: str,
    employer_id: str,
    domain: str,
    database: Database,
    stop: asyncio.Event,
    say: Callable[[str], None],
) -> None:
    """Print the counts whenever they change (checked every two seconds)."""
    last = ""
    while not await _stopped(stop, 2.0):
        try:
            counts = await _counts(http, hh_url, bitrix_url, employer_id, domain, database)
            line = counts.line()
        except (httpx.HTTPError, ValueError, KeyError, HhsyncError):
            continue  # a count missed now is printed at the next change
        if line != last:
            say(line)
            last = line


async def _stopped(stop: asyncio.Event, wait_s: float) -> bool:
    """Wait up to ``wait_s``; True once the demo is stopping."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), wait_s)
    return stop.is_set()
