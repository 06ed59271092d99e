"""hh.ru negotiation methods: collections of a vacancy, collection lists with paging and order,
one negotiation, state changes and marking as read (hh.ru OpenAPI spec, tag "Отклики/приглашения
работодателя")."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from hhsync.sandbox.hh import (
    errors,
    message_payloads,
    negotiation_filters,
    negotiation_order,
    payloads,
)
from hhsync.sandbox.hh.access import api_base, paying_manager, vacancy_param
from hhsync.sandbox.hh.guard import JsonBody, sandbox_of
from hhsync.sandbox.hh.limits import parse_paging
from hhsync.sandbox.hh.store import (
    COLLECTION_NAMES,
    EMPLOYER_STATES,
    HhStore,
    Negotiation,
    Resume,
)


async def negotiation_collections(request: Request) -> Response:
    """``GET /negotiations?vacancy_id=``: collections with counters (vacancy_id required)."""
    manager = paying_manager(request)
    vacancy = vacancy_param(request, manager)
    return JsonBody(payloads.collections(api_base(request), sandbox_of(request).store, vacancy))


async def negotiation_or_collection(request: Request) -> Response:
    """``GET /negotiations/{nid}`` (numeric) or ``GET /negotiations/{collection}?vacancy_id=``."""
    segment = request.path_params["segment"]
    if segment.isdigit():
        return await _negotiation_item(request, segment)
    return await _collection_list(request, segment)


async def _negotiation_item(request: Request, negotiation_id: str) -> Response:
    manager = paying_manager(request)
    store = sandbox_of(request).store
    negotiation = store.visible_negotiation(manager, negotiation_id)
    if negotiation is None:
        raise errors.topic_not_found()
    return JsonBody(
        payloads.negotiation_item(api_base(request), store, negotiation, with_vacancy=True)
    )


def _listed_members(store: HhStore, vacancy_id: str, collection: str) -> list[Negotiation]:
    """What a collection or sub-collection URL lists (:mod:`hhsync.sandbox.hh.states`: a
    collection with funnel sub-collections lists only its root sub-collection's members)."""
    funnels = store.funnels
    if collection in COLLECTION_NAMES:
        members = payloads.collection_members(store, vacancy_id, collection)
        if funnels.stages_of(vacancy_id, collection):
            members = [n for n in members if funnels.stage_of(n.id) is None]
        return members
    named = funnels.sub_collection(vacancy_id, collection)
    if named is None:
        raise errors.not_found()
    parent, stage = named
    inside = payloads.collection_members(store, vacancy_id, parent)
    if stage is None:
        return [n for n in inside if funnels.stage_of(n.id) is None]
    return [n for n in inside if (p := funnels.stage_of(n.id)) is not None and p.id == stage.id]


def _resume_of(store: HhStore, negotiation: Negotiation) -> Resume | None:
    """The negotiation's resume as the filters see it (a deleted one gives nothing)."""
    resume = store.resumes.get(negotiation.resume_id)
    return None if resume is None or resume.deleted else resume


async def _collection_list(request: Request, collection: str) -> Response:
    """``GET /negotiations/{collection}?vacancy_id=`` (hh.ru OpenAPI spec,
    ``get-collection-negotiations-list``): the listing's members, filtered
    (:mod:`hhsync.sandbox.hh.negotiation_filters`), ordered and paged; ``found`` counts the
    filtered list and the depth limit applies to it."""
    manager = paying_manager(request)
    sandbox = sandbox_of(request)
    vacancy = vacancy_param(request, manager)
    members = _listed_members(sandbox.store, vacancy.id, collection)
    order_by = request.query_params.get("order_by", payloads.DEFAULT_ORDER)
    offered = payloads.offered_orders(sandbox.store, vacancy.id, collection)
    if order_by not in offered:
        # Only the listing's own ``order_types`` are accepted (hh.ru OpenAPI spec, ``order_by``).
        raise errors.bad_argument("order_by", f"order_by must be one of {sorted(offered)}")
    paging = parse_paging(
        request.query_params.get("page"),
        request.query_params.get("per_page"),
        max_per_page=sandbox.config.max_per_page,
        default_per_page=20,
        depth_limit=sandbox.config.depth_limit,
    )
    if collection == "response" and request.query_params.get("show_only_new_responses") == "true":
        members = [n for n in members if not n.viewed_by_employer]
    chosen = negotiation_filters.parse_filter(request.query_params.multi_items())
    members = [n for n in members if chosen.keeps(_resume_of(sandbox.store, n))]
    ordered = negotiation_order.ordered(members, order_by)
    start = paging.page * paging.per_page
    shown = ordered[start : start + paging.per_page]
    api = api_base(request)
    payload = payloads.page_envelope(
        [payloads.negotiation_item(api, sandbox.store, n) for n in shown],
        len(ordered),
        paging.page,
        paging.per_page,
    )
    payload["ordered_by"] = {"id": order_by, "name": payloads.ORDER_TYPES[order_by]}
    payload["hidden_count"] = 0
    # Fault "disappears between list and detail": listed now, gone for the next request.
    for negotiation in shown:
        if negotiation.id in sandbox.store.vanish_after_list:
            sandbox.store.vanish_after_list.discard(negotiation.id)
            del sandbox.store.negotiations[negotiation.id]
    return JsonBody(payload)


def _flag(request: Request, name: str) -> bool:
    """A boolean query parameter: ``true``/``false`` (absent: false); anything else is a 400."""
    raw = request.query_params.get(name, "false")
    if raw not in ("true", "false"):
        raise errors.bad_argument(name, f"{name} must be true or false")
    return raw == "true"


async def negotiation_messages(request: Request) -> Response:
    """``GET /negotiations/{nid}/messages`` (deprecated on hh.ru, still served): the conversation
    oldest first, paged; reading it marks the response viewed by the employer (hh.ru OpenAPI
    spec, ``get-negotiation-messages``)."""
    manager = paying_manager(request)
    sandbox = sandbox_of(request)
    negotiation = sandbox.store.visible_negotiation(manager, request.path_params["nid"])
    if negotiation is None:
        raise errors.topic_not_found()
    paging = parse_paging(
        request.query_params.get("page"),
        request.query_params.get("per_page"),
        max_per_page=sandbox.config.max_per_page,
        default_per_page=20,
        depth_limit=sandbox.config.depth_limit,
    )
    everything = message_payloads.conversation(
        negotiation, with_text_only=_flag(request, "with_text_only")
    )
    start = paging.page * paging.per_page
    sandbox.store.mark_viewed(negotiation)
    return JsonBody(
        payloads.page_envelope(
            everything[start : start + paging.per_page],
            len(everything),
            paging.page,
            paging.per_page,
        )
    )


async def _form(request: Request) -> dict[str, list[str]]:
    """Form fields (repeatable) merged with query parameters, as hh.ru accepts both."""
    merged: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        merged.setdefault(key, []).append(value)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        for key, raw in form.multi_items():
            if isinstance(raw, str):
                merged.setdefault(key, []).append(raw)
    return merged


async def change_state(request: Request) -> Response:
    """``PUT /negotiations/{action}/{nid}``: 204, or hh.ru's 403 ``negotiations/*`` refusals."""
    manager = paying_manager(request)
    sandbox = sandbox_of(request)
    action, negotiation_id = request.path_params["action"], request.path_params["nid"]
    negotiation = sandbox.store.visible_negotiation(manager, negotiation_id)
    if negotiation is None or action not in EMPLOYER_STATES:
        raise errors.topic_not_found()
    if sandbox.store.vacancies[negotiation.vacancy_id].archived:
        raise errors.negotiations("invalid_vacancy")
    if action not in payloads.allowed_actions(negotiation):
        raise errors.negotiations("wrong_state")
    form = await _form(request)
    message = form["message"][-1] if "message" in form else None
    if message is not None and not message.strip():
        raise errors.negotiations("empty_message")
    sandbox.store.move(negotiation, action, sandbox.now(), message)
    negotiation.viewed_by_employer = True
    negotiation.has_updates = False
    return Response(status_code=204)


async def mark_read(request: Request) -> Response:
    """``POST /negotiations/read``: up to 50 topics of one vacancy become viewed."""
    manager = paying_manager(request)
    store = sandbox_of(request).store
    topic_ids = (await _form(request)).get("topic_id", [])
    if not topic_ids or len(topic_ids) > 50:
        raise errors.bad_argument("topic_id", "between 1 and 50 topic_id values are required")
    topics = [store.visible_negotiation(manager, t) for t in topic_ids]
    found = [t for t in topics if t is not None]
    if len(found) != len(topics):
        raise errors.not_found()
    if len({t.vacancy_id for t in found}) != 1:
        raise errors.bad_argument("topic_id", "all topics must belong to one vacancy")
    for topic in found:
        store.mark_viewed(topic)
    return Response(status_code=204)
