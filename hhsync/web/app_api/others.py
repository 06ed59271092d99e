"""«Другие отклики»: every response of one applicant on this portal, read at click time.

The timeline activity's button opens the app page with ``{"view": "others", "negotiation": ID}``
(:mod:`hhsync.model.others_link`). After the page's usual five checks, :func:`others_view` reads
that negotiation's applicant and all their other responses from the database, within the verified
portal only: a negotiation of another portal is "not found", exactly like one that never existed.
The list is as long as the database says (no stored copy, no 20-value limit), each row with its
vacancy, date, kind and hh.ru state in words, and a link to its CRM entity in the portal's top
window (:func:`hhsync.model.crm_links.portal_origin`: the verified portal's, never the posted
``PROTOCOL``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from starlette.routing import BaseRoute

from hhsync.db import applicant_responses
from hhsync.db.applicant_responses import ApplicantResponse
from hhsync.db.tables import SyncStatus
from hhsync.log import get_logger
from hhsync.model.crm_links import card_url, portal_origin
from hhsync.web.app_api.guard import PortalCaller
from hhsync.web.app_api.others_options import OthersOptionsRefused, parse_others
from hhsync.web.context import WebContext
from hhsync.web.i18n import Translator

EVENT_REFUSED: Final = "app_page.others_refused"

log = get_logger(__name__)


@dataclass(frozen=True)
class OtherRow:
    """One response as the view shows it, every text already in the reader's language."""

    negotiation_id: int
    """hhsync's own row id, as the journal's ``data-negotiation-id`` holds it."""
    hh_negotiation_id: str
    vacancy_name: str
    date: str
    date_iso: str
    kind: str
    state: str
    entity_url: str | None
    entity_label: str
    """The link's text, or why there is no link yet."""


@dataclass(frozen=True)
class OthersView:
    """What ``templates/others.html`` shows: a message, or the current response and the others."""

    message: str | None = None
    current: OtherRow | None = None
    rows: tuple[OtherRow, ...] = ()
    no_resume: bool = False


def routes(ctx: WebContext) -> list[BaseRoute]:
    """This view's JSON routes: none, the page lists every response at once."""
    del ctx
    return []


async def page_context(ctx: WebContext, caller: PortalCaller) -> dict[str, Any]:
    """The tabbed page shows nothing of this view (it opens on its own, from the button)."""
    del ctx, caller
    return {}


async def others_view(
    ctx: WebContext, caller: PortalCaller, options: dict[str, Any]
) -> tuple[OthersView, int]:
    """The view of the options' negotiation on the caller's portal, and its HTTP status."""
    t = caller.t
    try:
        asked = parse_others(options)
    except OthersOptionsRefused as refused:
        log.warning(EVENT_REFUSED, reason=refused.reason, portal=caller.portal_id)
        return OthersView(message=t("others.bad_options")), 400
    async with ctx.database.session() as session:
        found = await applicant_responses.applicant_responses(
            session, caller.portal_id, asked.hh_negotiation_id
        )
    if found is None:
        log.info(EVENT_REFUSED, reason="not_found", portal=caller.portal_id)
        return OthersView(message=t("others.not_found")), 404
    origin = portal_origin(caller.portal.domain, caller.portal.client_endpoint)
    current = view_row(found.current, t, origin)
    rows = tuple(view_row(other, t, origin) for other in found.others)
    no_resume = not rows and found.resume_gone
    return OthersView(current=current, rows=rows, no_resume=no_resume), 200


def view_row(response: ApplicantResponse, t: Translator, origin: str) -> OtherRow:
    """One response in the reader's words, linked to its entity's card at the portal's
    ``origin`` when it is in the CRM."""
    url = card_url(origin, response.entity_type, response.entity_id)
    if response.sync_status == SyncStatus.CRM_DELETED and response.entity_type is not None:
        # a card a person deleted opens nothing: named, not linked
        url = None
        entity = t(f"others.open_{response.entity_type.value}", id=response.entity_id)
        label = t("others.deleted_in_crm", entity=entity)
    elif url is not None and response.entity_type is not None:
        label = t(f"others.open_{response.entity_type.value}", id=response.entity_id)
    elif response.sync_status == SyncStatus.FAILED:
        label = t("others.not_synced")
    else:
        label = t("others.not_in_crm")
    return OtherRow(
        negotiation_id=response.negotiation_id,
        hh_negotiation_id=response.hh_negotiation_id,
        vacancy_name=response.vacancy_name,
        date=response.hh_created_at.strftime("%d.%m.%Y"),
        date_iso=response.hh_created_at.isoformat(),
        kind=t(f"others.kind_{response.kind.value}"),
        state=_state(t, response.employer_state),
        entity_url=url,
        entity_label=label,
    )


def _state(t: Translator, employer_state: str) -> str:
    """hh.ru's employer state in words; a state hh.ru added later shows as its code."""
    try:
        return t(f"others.state_{employer_state}")
    except KeyError:
        return employer_state
