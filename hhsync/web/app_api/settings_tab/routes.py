"""``/app/api/settings``: the form's choices and saved values, the save, the import's progress.

Every route proves its caller (:func:`~hhsync.web.app_api.guard.portal_caller`) and reads or writes
the session's portal only; the ids a save names are checked against what that portal holds. A
portal that cannot be asked right now gets a 502 with the reason in words, and the page keeps the
saved values.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from hhsync.db import portals, retries, state, waiting
from hhsync.db.tables import PortalSettings
from hhsync.errors import DatabaseError, HhsyncError, Retriable
from hhsync.log import get_logger
from hhsync.model.kinds import EntityType
from hhsync.web.app_api.guard import PortalCaller, json_answer, portal_caller, refuse
from hhsync.web.app_api.settings_tab.choices import (
    MAX_SEARCH_CHARS,
    PortalChoices,
    read_choices,
    search_users,
)
from hhsync.web.app_api.settings_tab.portal_client import door_of, settings_client
from hhsync.web.app_api.settings_tab.progress import import_view
from hhsync.web.app_api.settings_tab.saved import SavedSettings
from hhsync.web.app_api.settings_tab.stages import DEFAULT_CATEGORY
from hhsync.web.app_api.settings_tab.validation import FormRefusal, check_against, parse_form
from hhsync.web.context import WebContext
from hhsync.web.request_numbers import ascii_decimal

if TYPE_CHECKING:
    from hhsync.web.bitrix_door.context import DoorContext

SETTINGS_PATH: Final = "/app/api/settings"
PROGRESS_PATH: Final = "/app/api/settings/progress"
USERS_PATH: Final = "/app/api/settings/users"
EVENT_SAVED: Final = "app_api.settings_saved"
MAX_ID_DIGITS: Final = 10
"""A Bitrix24 id (user, pipeline) is a 32-bit integer: at most 10 digits."""
REFUSALS_READ: Final = 20
"""How many distinct reasons of failed creates are searched for required fields' names."""

log = get_logger(__name__)


class PortalUnreachable(Retriable):
    """The portal did not answer a read the tab needs; the page says so and stays usable."""


def routes(ctx: WebContext) -> list[BaseRoute]:
    """The tab's routes, sharing one door context (on the process's Bitrix24 limiters)."""
    door = door_of(ctx)

    async def get_settings(request: Request) -> JSONResponse:
        return await settings_endpoint(door, request)

    async def post_settings(request: Request) -> JSONResponse:
        return await save_endpoint(door, request)

    async def get_progress(request: Request) -> JSONResponse:
        return await progress_endpoint(door.web, request)

    async def get_users(request: Request) -> JSONResponse:
        return await users_endpoint(door, request)

    return [
        Route(SETTINGS_PATH, get_settings, methods=["GET"]),
        Route(SETTINGS_PATH, post_settings, methods=["POST"]),
        Route(PROGRESS_PATH, get_progress, methods=["GET"]),
        Route(USERS_PATH, get_users, methods=["GET"]),
    ]


async def _choices(
    door: DoorContext,
    caller: PortalCaller,
    entity_type: EntityType,
    category_id: int,
    *,
    responsible_user_id: int | None,
    source_chosen: bool,
    links_contacts: bool,
) -> PortalChoices:
    try:
        async with door.web.database.session() as session:
            reasons = await state.failure_reasons(session, caller.portal_id, REFUSALS_READ)
        client = settings_client(door, caller.portal)
        return await read_choices(
            client,
            entity_type,
            category_id,
            responsible_user_id=responsible_user_id,
            source_chosen=source_chosen,
            # a deal's applicant is always a contact; a lead's only when contacts are linked
            adds_contact=entity_type == EntityType.DEAL or links_contacts,
            refusals=[reason for reason, _ in reasons],
        )
    except HhsyncError as exc:
        log.warning("app_api.portal_unreachable", portal=caller.portal_id, error=type(exc).__name__)
        raise PortalUnreachable(type(exc).__name__) from exc


def _links_contacts(stored: PortalSettings | None) -> bool:
    """Whether creates also add the applicant's contact to a lead (the saved ``link_contacts``)."""
    return stored is not None and stored.link_contacts


def _requested(request: Request, saved: SavedSettings) -> tuple[EntityType, int] | None:
    """The entity type and pipeline the page asks choices for (the saved ones by default)."""
    raw_type = request.query_params.get("entity_type", saved.entity_type.value)
    raw_category = request.query_params.get("category_id", str(saved.category_id))
    try:
        entity_type = EntityType(raw_type)
    except ValueError:
        return None
    category = ascii_decimal(raw_category, max_digits=MAX_ID_DIGITS)
    if category is None:
        return None
    if entity_type != EntityType.DEAL:
        category = DEFAULT_CATEGORY
    return entity_type, category


async def settings_endpoint(door: DoorContext, request: Request) -> JSONResponse:
    """``GET``: the saved settings, the portal's choices for the asked entity and pipeline
    (``?entity_type=deal&category_id=1``), the required-field warning and the import's state."""
    caller = await portal_caller(door.web, request)
    if isinstance(caller, JSONResponse):
        return caller
    try:
        async with door.web.database.session() as session:
            stored = await portals.get_settings(session, caller.portal_id)
            saved = SavedSettings.of(stored)
            progress = await import_view(session, caller.portal_id, caller.t)
    except DatabaseError as exc:
        return refuse(request, caller.t, 503, "common.storage_unavailable", type(exc).__name__)
    asked = _requested(request, saved)
    if asked is None:
        return refuse(request, caller.t, 400, "common.bad_request", "bad_query")
    body: dict[str, Any] = {"settings": saved.as_json(), "import": progress.as_json()}
    try:
        choices = await _choices(
            door,
            caller,
            *asked,
            responsible_user_id=saved.responsible_user_id,
            source_chosen=saved.source_id is not None,
            links_contacts=_links_contacts(stored),
        )
    except PortalUnreachable:
        return _unreachable(caller, body)
    if not choices.leads_available:
        body["leads_off"] = caller.t("settings.leads_off")
        if choices.entity_type == EntityType.LEAD and "entity_type" not in request.query_params:
            # a simple-CRM portal keeps no leads: the form starts on deals, in the main pipeline
            try:
                choices = await _choices(
                    door,
                    caller,
                    EntityType.DEAL,
                    DEFAULT_CATEGORY,
                    responsible_user_id=saved.responsible_user_id,
                    source_chosen=saved.source_id is not None,
                    links_contacts=_links_contacts(stored),
                )
            except PortalUnreachable:
                return _unreachable(caller, body)
    return json_answer(body | {"choices": choices.as_json()})


def _unreachable(caller: PortalCaller, body: dict[str, Any]) -> JSONResponse:
    """The saved settings with the reason the portal's choices could not be read (a 502)."""
    body |= {"error": caller.t("settings.portal_unreachable"), "reason": "portal_unreachable"}
    return json_answer(body, 502)


async def _json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return None


async def save_endpoint(door: DoorContext, request: Request) -> JSONResponse:
    """``POST`` (an administrator): check every id against the portal, save, and answer the
    saved settings with the required fields still unfilled. The first save starts the import."""
    caller = await portal_caller(door.web, request, write=True)
    if isinstance(caller, JSONResponse):
        return caller
    try:
        form = parse_form(await _json_body(request))
        async with door.web.database.session() as session:
            links = _links_contacts(await portals.get_settings(session, caller.portal_id))
        choices = await _choices(
            door,
            caller,
            form.entity_type,
            form.category_id,
            responsible_user_id=form.responsible_user_id,
            source_chosen=form.source_id is not None,
            links_contacts=links,
        )
        check_against(form, choices)
    except FormRefusal as refusal:
        answer = refuse(request, caller.t, 400, refusal.key, f"invalid {refusal.field}")
        return _with_field(answer, refusal)
    except PortalUnreachable:
        return refuse(request, caller.t, 502, "settings.portal_unreachable", "portal_unreachable")
    except DatabaseError as exc:
        return refuse(request, caller.t, 503, "common.storage_unavailable", type(exc).__name__)
    now = door.web.clock.now()
    try:
        async with door.web.database.session() as session:
            stored, first = await portals.save_settings(
                session, caller.portal_id, form.changes(), now
            )
            saved = SavedSettings.of(stored)
            # A save after a required field was relaxed should not wait out the retry backoff.
            retried = 0
            if not first:
                retried = await retries.retry_all_failed(
                    session,
                    caller.portal_id,
                    now,
                    asked_by=retries.AskedBy.SETTINGS,
                    user_id=caller.claims.user_id,
                )
                if retried:
                    # as «Повторить все» does: the next pass, not the one after the interval
                    await waiting.make_due(session, caller.portal_id, now)
        async with door.web.database.session() as session:
            progress = await import_view(session, caller.portal_id, caller.t)
    except DatabaseError as exc:
        return refuse(request, caller.t, 503, "common.storage_unavailable", type(exc).__name__)
    log.info(
        EVENT_SAVED,
        portal=caller.portal_id,
        user=caller.claims.user_id,
        first=first,
        entity_type=form.entity_type.value,
        failures_due=retried,
    )
    return json_answer(
        {
            "settings": saved.as_json(),
            "first_save": first,
            "choices": choices.as_json(),
            "import": progress.as_json(),
        }
    )


def _with_field(answer: JSONResponse, refusal: FormRefusal) -> JSONResponse:
    """The refusal with the field it names, for the page to point at."""
    body = json.loads(bytes(answer.body))
    body["field"] = refusal.field
    return json_answer(body, answer.status_code)


async def progress_endpoint(ctx: WebContext, request: Request) -> JSONResponse:
    """``GET``: the import's counters and whether it still runs."""
    caller = await portal_caller(ctx, request)
    if isinstance(caller, JSONResponse):
        return caller
    try:
        async with ctx.database.session() as session:
            progress = await import_view(session, caller.portal_id, caller.t)
    except DatabaseError as exc:
        return refuse(request, caller.t, 503, "common.storage_unavailable", type(exc).__name__)
    return json_answer(progress.as_json())


async def users_endpoint(door: DoorContext, request: Request) -> JSONResponse:
    """``GET ?q=``: the portal's active users matching the typed text, the first page of
    ``user.search`` (the fallback when the portal's own ``selectUser()`` dialog cannot open).
    Administrators only, as choosing is theirs; an empty text asks the portal nothing."""
    caller = await portal_caller(door.web, request, write=True)
    if isinstance(caller, JSONResponse):
        return caller
    text = request.query_params.get("q", "").strip()
    if not text:
        return json_answer({"users": []})
    if len(text) > MAX_SEARCH_CHARS or not text.isprintable():
        return refuse(request, caller.t, 400, "common.bad_request", "bad_query")
    try:
        found = await search_users(settings_client(door, caller.portal), text)
    except HhsyncError as exc:
        log.warning("app_api.portal_unreachable", portal=caller.portal_id, error=type(exc).__name__)
        return refuse(request, caller.t, 502, "settings.portal_unreachable", "portal_unreachable")
    return json_answer({"users": [user.as_json() for user in found]})
