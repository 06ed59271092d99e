"""BitrixClient: the typed Bitrix24 functions hhsync uses, for one portal.

Build one per portal with :func:`portal_client` from the process-wide ``httpx.AsyncClient``
(:func:`make_http_client`), the portal's tokens, the app's OAuth credentials, a token-persist
callback and the portal's limiter from a shared :class:`LimiterRegistry`. The caller (the sync
engine) supplies all of these; this package never touches the database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, Literal
from urllib.parse import urljoin

import httpx
from pydantic import ValidationError

from hhsync import __version__
from hhsync.bitrix import commands as cmd
from hhsync.bitrix.auth import BitrixAuth, OAuthApp, PersistTokens, PortalTokens, ReloadTokens
from hhsync.bitrix.batch import BatchResult, Command, split_commands
from hhsync.bitrix.commands import EntityKind
from hhsync.bitrix.crm_mode import CrmMode, parse_mode, settings_mode_get
from hhsync.bitrix.errors import ErrorObserver, ProtocolError, RecordRejected, ServerError
from hhsync.bitrix.limiter import OPERATING_WAIT_IN_PASS_S, PortalLimiter
from hhsync.bitrix.models import (
    ActivityLayout,
    AppInfo,
    Category,
    Deal,
    DuplicateMatches,
    EventHandler,
    FieldDescription,
    Lead,
    PlacementHandler,
    Status,
    StatusItem,
    User,
    UserField,
    UserFieldSpec,
)
from hhsync.bitrix.paging import IdCursorPager, StartPager
from hhsync.bitrix.rest import BitrixRest, Envelope, RetryPolicy


def make_http_client(
    *,
    timeout_s: float = 30.0,
    max_connections: int = 20,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The process's one Bitrix24 ``AsyncClient``: bounded pool, explicit timeouts, no redirects.

    Redirects stay off: a portal whose domain changed answers 302 and a followed POST would turn
    into a GET (Bitrix24 REST docs, change-domen.md). The read timeout stays well above slow CRM
    writes (4 s in the docs).
    """
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)),
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        ),
        headers={"User-Agent": f"hhsync/{__version__}", "Accept": "application/json"},
        follow_redirects=False,
        transport=transport,
    )


def portal_client(
    http: httpx.AsyncClient,
    tokens: PortalTokens,
    app: OAuthApp,
    persist: PersistTokens,
    limiter: PortalLimiter,
    retry: RetryPolicy | None = None,
    on_error: ErrorObserver | None = None,
    write_timeout_s: float | None = None,
    reload: ReloadTokens | None = None,
) -> BitrixClient:
    """A client for one portal, wiring auth, limiter and retry policy together.

    ``on_error`` is told every error the portal or its OAuth server answers (inside batches too);
    ``write_timeout_s`` bounds the whole exchange of a write request (``bitrix.request_timeout_s``);
    ``reload`` reads back a pair another client of the portal stored (see :class:`BitrixAuth`).
    """
    auth = BitrixAuth(tokens, app, http, persist, on_error, reload)
    rest = BitrixRest(http, auth, limiter, retry, on_error, write_timeout_s=write_timeout_s)
    return BitrixClient(rest, http)


class BitrixClient:
    """Typed access to one portal's REST API."""

    def __init__(self, rest: BitrixRest, http: httpx.AsyncClient) -> None:
        self.rest = rest
        self._http = http

    # --- generic ---------------------------------------------------------------------------------

    async def call(self, command: Command, *, idempotent: bool | None = None) -> Envelope:
        """Run one command as a single request."""
        return await self.rest.call(command.method, command.params, idempotent=idempotent)

    async def batch(
        self, commands: Mapping[str, Command], *, halt: bool = False, send_by: float | None = None
    ) -> BatchResult:
        """Run ≤50 (possibly ``$result``-chained) commands in one request; per-command outcomes.

        ``send_by``: the limiter instant after which the batch must not start (see
        :meth:`send_deadline`); it is then refused as :class:`SendWindowMissed`, never sent.
        """
        return await self.rest.batch(commands, halt=halt, send_by=send_by)

    async def wait_until_sendable(self, commands: Mapping[str, Command]) -> None:
        """Wait until the portal's limits would let a batch of ``commands`` go at once; an
        operating-time pause longer than :data:`~hhsync.bitrix.limiter.OPERATING_WAIT_IN_PASS_S`
        is not waited for (the batch is then refused unsent as
        :class:`~hhsync.bitrix.errors.OperatingTimeHeld`, its ``retry_after_s`` the pause)."""
        await self.rest.ready(
            {c.method for c in commands.values()}, max_operating_wait_s=OPERATING_WAIT_IN_PASS_S
        )

    def batch_room(self, items: Sequence[Sequence[str]]) -> int:
        """How many leading ``items`` (each the methods of its commands) one batch should carry,
        by the time they will take on this portal (:mod:`hhsync.bitrix.batch_time`)."""
        return self.rest.limiter.times.fitting(items)

    def send_deadline(self, window_s: float) -> float:
        """The limiter instant ``window_s`` seconds from now (for :meth:`batch`'s ``send_by``)."""
        return self.rest.limiter.now() + window_s

    async def batch_all(self, commands: Sequence[Command]) -> list[BatchResult]:
        """Run any number of independent commands, 50 per batch, in order."""
        return [await self.rest.batch(chunk) for chunk in split_commands(commands)]

    async def iter_list(self, command: Command) -> AsyncIterator[Any]:
        """Every row of a list method, following ``next`` page by page (50 rows a page)."""
        pager = StartPager()
        params: dict[str, Any] | None = pager.first_params(command.params)
        while params is not None:
            page = await self.rest.call(command.method, params)
            for row in page.result or []:
                yield row
            params = pager.next_params(command.params, page.next)

    async def iter_by_id(self, command: Command, *, after_id: int = 0) -> AsyncIterator[Any]:
        """Every row of a large list, fast: ``>ID`` keyset paging with ``start=-1``.

        The docs' recipe for large lists (Bitrix24 REST docs, settings/performance/huge-data.md).
        """
        pager = IdCursorPager(after_id=after_id)
        params: dict[str, Any] | None = pager.first_params(command.params)
        while params is not None:
            page = await self.rest.call(command.method, params)
            rows = list(page.result or [])
            for row in rows:
                yield row
            params = pager.next_params(command.params, rows)

    # --- app and users ---------------------------------------------------------------------------

    async def app_info(self) -> AppInfo:
        """Whether the app is installed on the portal, and its licence."""
        return cmd.parse_app_info((await self.rest.call("app.info")).result)

    async def user_current(self) -> User:
        """The user the token acts for (proves a settings-page token belongs to this portal)."""
        return cmd.parse_user((await self.rest.call("user.current")).result)

    async def user_admin(self) -> bool:
        """Whether the token's user may manage the app's settings."""
        return (await self.rest.call("user.admin")).result is True

    async def user_get(
        self, filter_: Mapping[str, Any] | None = None, *, active_only: bool = True
    ) -> list[User]:
        """Users (active ones unless told otherwise), all pages."""
        return cmd.parse_users(
            [row async for row in self.iter_list(cmd.user_get(filter_, active_only=active_only))]
        )

    async def user_search(self, find: str) -> list[User]:
        """Users matching a full-text search."""
        return cmd.parse_users([row async for row in self.iter_list(cmd.user_search(find))])

    async def user_search_page(self, find: str) -> list[User]:
        """The first page (at most 50) of users matching a full-text search: one request."""
        return cmd.parse_users((await self.call(cmd.user_search(find))).result)

    async def user_by_id(self, user_id: int) -> User | None:
        """One user of the portal, fired or not (None when the portal has no such user)."""
        users = cmd.parse_users((await self.call(cmd.user_by_id(user_id))).result)
        return next((user for user in users if user_id == user.ID), None)

    # --- what an installer registers ------------------------------------------------------------

    async def event_get(self) -> list[EventHandler]:
        """The event handlers the app has bound on the portal."""
        return cmd.parse_event_handlers((await self.call(cmd.event_get())).result)

    async def event_bind(self, event: str, handler: str) -> bool:
        """Bind ``event`` to ``handler`` (an administrator's token in application context)."""
        return cmd.parse_true((await self.call(cmd.event_bind(event, handler))).result)

    async def placement_get(self) -> list[PlacementHandler]:
        """The widgets the app has bound on the portal."""
        return cmd.parse_placement_handlers((await self.call(cmd.placement_get())).result)

    async def placement_bind(
        self, placement: str, handler: str, title: str, description: str = ""
    ) -> bool:
        """Bind a widget (e.g. ``CRM_LEAD_LIST_TOOLBAR``) to ``handler``."""
        command = cmd.placement_bind(placement, handler, title, description)
        return cmd.parse_true((await self.call(command)).result)

    # --- leads and deals -------------------------------------------------------------------------

    async def add(
        self, kind: EntityKind, fields: Mapping[str, Any], *, notify: bool = False
    ) -> int:
        """Create a lead/deal; never retried once sent (OutcomeUnknown → adopt by ORIGIN_ID)."""
        return cmd.parse_int((await self.call(cmd.entity_add(kind, fields, notify=notify))).result)

    async def update(self, kind: EntityKind, entity_id: int, fields: Mapping[str, Any]) -> bool:
        """Change some fields of a lead/deal."""
        return cmd.parse_true((await self.call(cmd.entity_update(kind, entity_id, fields))).result)

    async def get_lead(self, lead_id: int) -> Lead:
        """One lead, user fields included."""
        return Lead.model_validate((await self.call(cmd.entity_get("lead", lead_id))).result)

    async def get_deal(self, deal_id: int) -> Deal:
        """One deal, user fields included."""
        return Deal.model_validate((await self.call(cmd.entity_get("deal", deal_id))).result)

    async def list_entities(
        self,
        kind: EntityKind,
        filter_: Mapping[str, Any] | None = None,
        select: Sequence[str] = ("*", "UF_*", "PHONE", "EMAIL"),
    ) -> list[Lead | Deal]:
        """Leads/deals matching a filter (e.g. on ``UF_CRM_HH_NEGOTIATION_ID``), all pages."""
        return [
            cmd.parse_entity(kind, row)
            async for row in self.iter_list(cmd.entity_list(kind, filter_, select))
        ]

    async def find_by_origin(
        self, kind: EntityKind, originator_id: str, origin_id: str
    ) -> list[int]:
        """Ids of the entities created for one source record (adoption after OutcomeUnknown)."""
        envelope = await self.call(cmd.find_by_origin(kind, originator_id, origin_id))
        return cmd.parse_ids(envelope.result)

    async def fields(self, kind: EntityKind | Literal["contact"]) -> dict[str, FieldDescription]:
        """Field descriptions of leads, deals or contacts, user fields included."""
        return cmd.parse_fields((await self.call(cmd.entity_fields(kind))).result)

    async def userfield_add(self, kind: EntityKind, spec: UserFieldSpec) -> int:
        """Create a user field (install step; needs a CRM administrator's token)."""
        return cmd.parse_int((await self.call(cmd.userfield_add(kind, spec))).result)

    async def userfield_list(
        self, kind: EntityKind, filter_: Mapping[str, Any] | None = None
    ) -> list[UserField]:
        """The portal's user fields of leads/deals."""
        return cmd.parse_userfields((await self.call(cmd.userfield_list(kind, filter_))).result)

    # --- directories -----------------------------------------------------------------------------

    async def status_list(self, filter_: Mapping[str, Any] | None = None) -> list[Status]:
        """Directory entries (stages, sources), all pages."""
        return cmd.parse_statuses([r async for r in self.iter_list(cmd.status_list(filter_))])

    async def status_entity_items(self, entity_id: str) -> list[StatusItem]:
        """The entries of one directory (``STATUS`` lead stages, ``DEAL_STAGE_n``, ``SOURCE``)."""
        return cmd.parse_status_items((await self.call(cmd.status_entity_items(entity_id))).result)

    async def crm_mode(self) -> CrmMode:
        """The portal's CRM mode: classic (leads) or simple (no leads, deals only).

        A portal that does not know the method predates the simple mode: it has leads.
        """
        try:
            return parse_mode((await self.call(settings_mode_get())).result)
        except ProtocolError as exc:
            if exc.code.upper() != "ERROR_METHOD_NOT_FOUND":
                raise
            return CrmMode.CLASSIC

    async def category_list(self, entity_type_id: int = cmd.DEAL_ENTITY_TYPE_ID) -> list[Category]:
        """Deal pipelines, default (``id`` 0) included."""
        return cmd.parse_categories((await self.call(cmd.category_list(entity_type_id))).result)

    async def duplicates_by_comm(
        self,
        comm_type: Literal["PHONE", "EMAIL"],
        values: Sequence[str],
        entity_type: Literal["LEAD", "CONTACT", "COMPANY"] | None = None,
    ) -> DuplicateMatches:
        """Entities already holding these phones/e-mails (≤20 values)."""
        return cmd.parse_duplicates(
            (await self.call(cmd.duplicate_find_by_comm(comm_type, values, entity_type))).result
        )

    # --- timeline --------------------------------------------------------------------------------

    async def activity_configurable_add(
        self,
        kind: EntityKind,
        owner_id: int,
        layout: ActivityLayout | Mapping[str, Any],
        fields: Mapping[str, Any] | None = None,
    ) -> int:
        """Add the «Отклик»/«Приглашение» activity; a layout over 20 blocks is refused unsent.

        Raises RecordRejected for a layout the portal would refuse (so nothing is sent).
        """
        try:
            command = cmd.activity_configurable_add(kind, owner_id, layout, fields)
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"]
            raise RecordRejected(
                f"activity layout refused before sending: {reason}",
                code="TOO_MANY_ITEMS",
                method="crm.activity.configurable.add",
            ) from exc
        return cmd.parse_int((await self.call(command)).result)

    async def activity_todo_add(
        self, kind: EntityKind, owner_id: int, deadline: str, title: str, description: str = ""
    ) -> int:
        """Add a to-do to a lead/deal."""
        return cmd.parse_int(
            (
                await self.call(cmd.activity_todo_add(kind, owner_id, deadline, title, description))
            ).result
        )

    async def timeline_comment_add(self, kind: EntityKind, entity_id: int, comment: str) -> int:
        """Add a timeline comment to a lead/deal."""
        return cmd.parse_int(
            (await self.call(cmd.timeline_comment_add(kind, entity_id, comment))).result
        )

    # --- files -----------------------------------------------------------------------------------

    def absolute_url(self, portal_path: str) -> str:
        """A file's ``downloadUrl`` (relative to the portal root) as an absolute URL.

        The portal root is ``client_endpoint`` without its ``rest/`` tail, so a portal served
        under a path prefix works as well as one at a domain's root.
        """
        endpoint = self.rest.auth.tokens.client_endpoint
        root = endpoint[: -len("rest/")] if endpoint.endswith("rest/") else endpoint
        return urljoin(root, portal_path.lstrip("/"))

    async def download_file(self, download_url: str) -> bytes:
        """The bytes of a file user field (the ``downloadUrl`` of :class:`FileValue`)."""
        try:
            async with self.rest.limiter.slot(("file.download",)):
                response = await self._http.get(
                    self.absolute_url(download_url), auth=self.rest.auth
                )
        except httpx.HTTPError as exc:
            raise ServerError(
                f"Bitrix24 file download failed ({type(exc).__name__})", method="file.download"
            ) from exc
        if response.status_code != 200:
            raise ServerError(
                f"Bitrix24 file download answered HTTP {response.status_code}",
                status=response.status_code,
                method="file.download",
            )
        return response.content
