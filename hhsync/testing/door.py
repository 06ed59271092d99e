"""An administrator going through hhsync's front door on a Bitrix24 sandbox portal, no browser.

The driver sends the requests a browser sends, in the order it sends them, and reads each answer
the way the page's scripts would:

1. the portal's install page (``/marketplace/install/``) and its confirmation form;
2. the page the portal then shows: the frame's form (action and hidden fields), POSTed to the
   installer as the iframe would; the installer's page must say it is complete;
3. what the SDK's ``initializeB24Frame()`` and ``installFinish()`` post to the parent, forwarded
   to the portal's frame command endpoint exactly as ``b24-parent.js`` forwards them
   (``{command, params}``; ``params`` is null: the SDK sends no parameters for either);
4. the reload the portal asks for: the app page, whose ``data-session`` is the page's session;
5. «Войти»: ``POST /app/api/hh/login`` with that session, hh.ru's login and consent
   (:class:`~.hh_browser.HhBrowser`), the redirect followed to hhsync's callback, which must say
   «Синхронизация активна»; then the account list the page redraws.

Every answer the client gets is kept in :attr:`DoorDriver.transcript` (the secret scans read it).
What was linked is read back from hhsync's database, which also proves the door wrote it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlencode, urlsplit

import httpx

from hhsync.db import accounts, portals
from hhsync.db.session import Database
from hhsync.errors import Fatal
from hhsync.sandbox.hh.site import DEMO_PASSWORD
from hhsync.testing.hh_browser import HhBrowser
from hhsync.testing.html_page import Form, Page
from hhsync.web.i18n import translator
from hhsync.web.session import SESSION_HEADER

APP_FORM_ID: Final = "b24-app-form"
HOST_SCRIPT_ID: Final = "b24-host"
FORM_TYPE: Final = {"Content-Type": "application/x-www-form-urlencoded"}
MAX_REDIRECTS: Final = 5


class DoorRefused(Fatal):
    """A step of the door did not show what a browser would have gone on from."""


@dataclass(frozen=True)
class Exchange:
    """One answer the browser got: where from, and everything it said."""

    method: str
    url: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: str

    @property
    def origin(self) -> str:
        """``scheme://host:port`` of the URL."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def label(self) -> str:
        """Method and path (the query left out: it is what the browser sent, maybe a code)."""
        return f"{self.method} {urlsplit(self.url).path} → {self.status}"

    def text(self) -> str:
        """What the server said: the headers and the body, as one text to search."""
        lines = [f"{name}: {value}" for name, value in self.headers]
        return "\n".join([*lines, "", self.body])


@dataclass
class Transcript:
    """Every answer a client got (an httpx response hook), oldest first."""

    exchanges: list[Exchange] = field(default_factory=list)

    async def record(self, response: httpx.Response) -> None:
        """The hook: read the body and keep the answer."""
        await response.aread()
        self.exchanges.append(
            Exchange(
                response.request.method,
                str(response.request.url),
                response.status_code,
                tuple(response.headers.multi_items()),
                response.text,
            )
        )

    def from_origin(self, origin: str) -> list[Exchange]:
        """The answers that came from ``origin`` (``http://127.0.0.1:8080``)."""
        wanted = origin.rstrip("/")
        return [exchange for exchange in self.exchanges if exchange.origin == wanted]


@dataclass(frozen=True)
class HostPortal:
    """A sandbox portal a browser can open (``localhost:PORT``), the app not installed yet."""

    domain: str
    member_id: str
    server_endpoint: str
    pages: dict[str, str]
    """``home``, ``app``, ``install``, ``crm``: the portal's own URLs."""


@dataclass(frozen=True)
class AppPage:
    """The app page as the frame shows it."""

    page: Page
    session: str
    """The page's ``X-Hhsync-Session`` value."""

    @property
    def origin(self) -> str:
        """hhsync's origin: where the page's own requests go."""
        parts = urlsplit(self.page.url)
        return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class DoorLink:
    """What going through the door linked, as hhsync stored it."""

    portal_id: int
    account_id: int
    domain: str
    member_id: str
    employer_id: str
    manager_id: str


async def new_host_portal(http: httpx.AsyncClient, bitrix_url: str) -> HostPortal:
    """A portal named ``localhost:<the sandbox's port>`` waiting for its administrator."""
    answer = await http.post(
        f"{bitrix_url.rstrip('/')}/_sandbox/portals",
        json={"domain_is_host": True, "installed": False},
    )
    if answer.status_code != 200:
        raise DoorRefused(f"the sandbox made no portal ({answer.status_code}): {answer.text}")
    info: dict[str, Any] = answer.json()
    return HostPortal(
        info["domain"], info["member_id"], info["server_endpoint"], dict(info["pages"])
    )


class DoorDriver:
    """An administrator (Bitrix24 user ``user_id``) with one browser: ``http``'s cookie jar.

    ``http`` must not follow redirects on its own (httpx's default): the driver follows them as
    a browser does, so each hop is in the transcript.
    """

    def __init__(self, http: httpx.AsyncClient, database: Database, *, user_id: int = 1) -> None:
        self.http = http
        self.database = database
        self.user_id = user_id
        self.transcript = Transcript()
        hooks = http.event_hooks
        hooks["response"] = [*hooks.get("response", []), self.transcript.record]
        http.event_hooks = hooks

    async def _follow(self, response: httpx.Response) -> Page:
        """Follow redirects (303 and any redirect of a GET: a GET to the new place)."""
        for _ in range(MAX_REDIRECTS):
            if not response.is_redirect:
                return Page.of(response)
            response = await self.http.get(response.url.join(response.headers["location"]))
        raise DoorRefused(f"too many redirects, last at {response.url}")

    async def open(self, url: str | httpx.URL) -> Page:
        """Type ``url`` into the address bar."""
        return await self._follow(await self.http.get(url))

    async def submit(self, page: Page, form: Form) -> Page:
        """Submit ``form`` of ``page`` as the browser encodes it, with the page's origin."""
        target = httpx.URL(page.resolve(form.action))
        here = httpx.URL(page.url)
        headers = {**FORM_TYPE, "Origin": f"{here.scheme}://{here.netloc.decode()}"}
        body = urlencode(form.fields)
        return await self._follow(await self.http.post(target, content=body, headers=headers))

    async def forward(self, host_page: Page, command: str, params: Any = None) -> dict[str, Any]:
        """A command the frame's SDK posted, forwarded as ``b24-parent.js`` does; the reply."""
        host = host_page.script_json(HOST_SCRIPT_ID)
        answer = await self.http.post(
            host_page.resolve(host["commandsUrl"]),
            content=json.dumps({"command": command, "params": params}),
            headers={"Content-Type": "application/json"},
        )
        if answer.status_code != 200:
            raise DoorRefused(f"portal refused {command} ({answer.status_code}): {answer.text}")
        reply: dict[str, Any] = answer.json()
        return reply

    def _user_query(self) -> str:
        return urlencode({"user_id": str(self.user_id)})

    async def install(self, portal: HostPortal) -> Page:
        """Install from the portal's install page up to ``installFinish``; the page it reloads."""
        confirm = await self.open(f"{portal.pages['install']}?{self._user_query()}")
        host_page = await self.submit(confirm, confirm.form(urlsplit(confirm.url).path))
        installer = await self.submit(host_page, host_page.form_by_id(APP_FORM_ID))
        if installer.status != 200:
            raise DoorRefused(f"the installer refused ({installer.status}):\n{installer.text}")
        if installer.element("main", "hhsync-install").attrs.get("data-complete") != "1":
            raise DoorRefused(f"the installer is not complete:\n{installer.text}")
        init = await self.forward(host_page, "getInitData")
        if init.get("answer", {}).get("INSTALL") is not True:
            raise DoorRefused(f"the portal does not show the installer: {init}")
        reply = await self.forward(host_page, "setInstallFinish")
        if reply.get("effect") != "reload":
            raise DoorRefused(f"installFinish was not taken: {reply}")
        return await self.open(host_page.url)

    async def open_app(self, host_page: Page) -> AppPage:
        """The portal page hosting the app: its frame's form POSTed to hhsync's app page."""
        page = await self.submit(host_page, host_page.form_by_id(APP_FORM_ID))
        if page.status != 200:
            raise DoorRefused(f"the app page was refused ({page.status}):\n{page.text}")
        return AppPage(page, page.element("main", "hhsync-app").attr("data-session"))

    async def open_app_page(self, portal: HostPortal) -> AppPage:
        """Open the app from the portal's menu (``/marketplace/app/1/``)."""
        return await self.open_app(await self.open(f"{portal.pages['app']}?{self._user_query()}"))

    async def api(self, app: AppPage, method: str, path: str) -> httpx.Response:
        """One of the page's own JSON calls, with its session header."""
        headers = {SESSION_HEADER: app.session, "Accept": "application/json"}
        if method != "GET":
            headers["Origin"] = app.origin
        return await self.http.request(method, f"{app.origin}{path}", headers=headers)

    async def link_hh(self, app: AppPage, email: str, password: str = DEMO_PASSWORD) -> int:
        """«Войти» on the app page with an hh.ru manager's login; the linked account's id."""
        started = await self.api(app, "POST", "/app/api/hh/login")
        if started.status_code != 200:
            raise DoorRefused(f"the login did not start ({started.status_code}): {started.text}")
        popup = HhBrowser(self.http)
        redirect = await popup.authorize(started.json()["authorize_url"], email, password)
        landed = await self.open(redirect.url.join(redirect.headers["location"]))
        if landed.status != 200 or translator("ru")("login.linked_title") not in landed.text:
            raise DoorRefused(f"hh.ru login not linked ({landed.status}):\n{landed.text}")
        notice = json.loads(landed.element("body").attr("data-notice"))
        account_id = notice.get("account_id")
        if not isinstance(account_id, int):
            raise DoorRefused(f"the callback named no account: {notice}")
        listed = await self.api(app, "GET", "/app/api/hh/accounts")
        if account_id not in [a.get("id") for a in listed.json().get("accounts", [])]:
            raise DoorRefused(f"the app page does not list account {account_id}: {listed.text}")
        return account_id

    async def walk_in(
        self, portal: HostPortal, email: str, password: str = DEMO_PASSWORD
    ) -> DoorLink:
        """Install on ``portal``, open the app, link ``email``'s hh.ru account."""
        app = await self.open_app(await self.install(portal))
        account_id = await self.link_hh(app, email, password)
        return await self.linked(portal, account_id)

    async def linked(self, portal: HostPortal, account_id: int) -> DoorLink:
        """The portal and account rows the door stored."""
        async with self.database.session() as session:
            row = await portals.get_portal_by_member_id(session, portal.member_id)
            if row is None or row.id is None:
                raise DoorRefused(f"no portal row for {portal.domain}")
            account = await accounts.get_account(session, row.id, account_id)
        if account is None:
            raise DoorRefused(f"no account {account_id} on portal {row.id}")
        return DoorLink(
            row.id,
            account_id,
            row.domain,
            row.member_id,
            account.hh_employer_id,
            account.hh_manager_id,
        )
