"""Render sandbox state as hh.ru JSON payloads (pure functions, no I/O).

Shapes follow hh.ru's OpenAPI spec and the documented examples (``tests/sandbox/hh/``); tests
validate every payload against the spec. URLs point at the sandbox's own base URL so that a client
following ``url`` fields stays inside the sandbox. Legacy and undocumented keys that hh.ru still
sends (``download`` next to ``actions.download``, ``premium``, ``type``, ``billing_type``) are
emitted on purpose so that strict parsers break in tests (hh.ru OpenAPI spec, "Недокументированные
поля").
"""

from __future__ import annotations

import math
from typing import Any, Final

from hhsync.sandbox.hh.counters import Scope
from hhsync.sandbox.hh.generator import msk_offset_format as fmt
from hhsync.sandbox.hh.resume_payloads import area, phone_object, short_resume
from hhsync.sandbox.hh.states import (
    ROOT_SUB_COLLECTION_NAME,
    SYSTEM_DISCARD_STATES,
    collection_of,
    default_funnel_stage_id,
    root_sub_collection_id,
)
from hhsync.sandbox.hh.store import (
    APPLICANT_STATES,
    COLLECTION_NAMES,
    EMPLOYER_STATES,
    IN_PROGRESS_STATES,
    Employer,
    HhStore,
    Manager,
    Negotiation,
    Vacancy,
)

ORDER_TYPES: dict[str, str] = {
    "last_change_time_except_employer_inbox": "По дате создания и активности соискателя",
    "created_at": "По дате отклика",
    "relevance": "лучшие",
}
DEFAULT_ORDER = "last_change_time_except_employer_inbox"
# Actions never lead back to the unsorted inbox; everything else is reachable (stricter reading:
# PUT to a state not listed in ``actions`` is refused with ``wrong_state``).
# The ``discard_*`` states hh.ru sets itself are never an action's target either.
TERMINAL_TARGETS = frozenset({"response", *SYSTEM_DISCARD_STATES})


def page_envelope(items: list[Any], found: int, page: int, per_page: int) -> dict[str, Any]:
    """The ``{found, pages, page, per_page, items}`` root every hh.ru list shares."""
    pages = math.ceil(found / per_page) if per_page else 0
    return {"found": found, "pages": pages, "page": page, "per_page": per_page, "items": items}


def employer_short(api: str, employer: Employer) -> dict[str, Any]:
    """Employer object embedded in vacancies."""
    return {
        "id": employer.id,
        "name": employer.name,
        "url": f"{api}/employers/{employer.id}",
        "alternate_url": f"https://hh.ru/employer/{employer.id}",
        "logo_urls": None,
        "trusted": True,
        "accredited_it_employer": False,
    }


def manager_item(api: str, manager: Manager, vacancies_count: int | None) -> dict[str, Any]:
    """An item of ``GET /employers/{id}/managers``; ``vacancies_count`` null without rights."""
    phone = phone_object(manager.phone)
    phone.pop("formatted")
    phone["comment"] = None
    names = [manager.last_name, manager.first_name, manager.middle_name or ""]
    return {
        "id": manager.id,
        "email": manager.email,
        "first_name": manager.first_name,
        "last_name": manager.last_name,
        "middle_name": manager.middle_name,
        "full_name": " ".join(n for n in names if n),
        "name": f"{manager.first_name} {manager.last_name}",
        "position": "Администратор" if manager.is_admin else "Менеджер по подбору персонала",
        "is_main_contact_person": manager.is_admin,
        "area": area(api, manager.area_id, manager.area_name),
        "phone": phone,
        "additional_phone": None,
        "vacancies_count": vacancies_count,
    }


def _salary(vacancy: Vacancy) -> dict[str, Any] | None:
    if vacancy.salary_from is None:
        return None
    return {"from": vacancy.salary_from, "to": vacancy.salary_to, "currency": "RUR", "gross": True}


def _salary_range(vacancy: Vacancy) -> dict[str, Any] | None:
    salary = _salary(vacancy)
    if salary is None:
        return None
    salary["mode"] = {"id": "MONTH", "name": "За месяц"}
    salary["frequency"] = {"id": "MONTHLY", "name": "Раз в месяц"}
    return salary


def vacancy_counters(store: HhStore, vacancy: Vacancy) -> dict[str, int]:
    """``counters`` of an active vacancy, computed from its negotiations (always consistent)."""
    negotiations = store.negotiations_of(vacancy.id)
    responses = [n for n in negotiations if n.initiator == "applicant"]
    return {
        "views": vacancy.views,
        "responses": len(responses),
        "unread_responses": sum(1 for n in responses if not n.viewed_by_employer),
        "resumes_in_progress": sum(
            1 for n in negotiations if n.employer_state in IN_PROGRESS_STATES
        ),
        "invitations": sum(1 for n in negotiations if n.initiator == "employer"),
        "invitations_and_responses": len(negotiations),
        "calls": 0,
        "new_missed_calls": 0,
    }


def vacancy_item(api: str, store: HhStore, vacancy: Vacancy) -> dict[str, Any]:
    """An item of the active or archived vacancy list of an employer."""
    employer = store.employers[vacancy.employer_id]
    manager = store.managers[vacancy.manager_id]
    item: dict[str, Any] = {
        "id": vacancy.id,
        "name": vacancy.name,
        "url": f"{api}/vacancies/{vacancy.id}",
        "alternate_url": f"https://hh.ru/vacancy/{vacancy.id}",
        "apply_alternate_url": f"https://hh.ru/applicant/vacancy_response?vacancyId={vacancy.id}",
        "archived": vacancy.archived,
        "area": area(api, vacancy.area_id, vacancy.area_name),
        "address": None,
        "department": None,
        "employer": employer_short(api, employer),
        "salary": _salary(vacancy),
        "salary_range": _salary_range(vacancy),
        "type": {"id": "open", "name": "Открытая"},
        "billing_type": {"id": "standard", "name": "Стандарт"},
        "premium": False,
        "vacancy_properties": {"properties": []},
        "created_at": fmt(vacancy.created_at),
        "published_at": fmt(vacancy.published_at),
        "has_test": False,
        "response_letter_required": False,
        "relations": [],
        "closed_for_applicants": False,
        "internship": vacancy.internship,
    }
    negotiations = store.negotiations_of(vacancy.id)
    if vacancy.archived_at is None:
        item["expires_at"] = fmt(vacancy.expires_at)
        item["can_upgrade_billing_type"] = False
        item["manager"] = {
            "id": manager.id,
            "first_name": manager.first_name,
            "last_name": manager.last_name,
            "middle_name": manager.middle_name,
        }
        item["has_updates"] = any(n.has_updates for n in negotiations)
        item["counters"] = store.counters.shown(
            vacancy.id, Scope.VACANCY, vacancy_counters(store, vacancy)
        )
        item["negotiations_state"] = None
    else:
        item["archived_at"] = fmt(vacancy.archived_at)
        responses = sum(1 for n in negotiations if n.initiator == "applicant")
        item["counters"] = {
            "responses": responses,
            "total_responses": responses,
            "invitations_and_responses": len(negotiations),
        }
    return item


FUNNEL_COLLECTION_ORDERS: Final = ("last_change_time_except_employer_inbox", "relevance")
"""What a collection split into funnel sub-collections offers (hh.ru OpenAPI spec, example
``NegotiationsEmployerListResponse``): no ``created_at``."""
SUB_COLLECTION_ORDERS: Final = ("last_change_time_except_employer_inbox", "created_at")
"""What each funnel sub-collection offers in the same example."""


def offered_orders(store: HhStore, vacancy_id: str, listing: str) -> tuple[str, ...]:
    """The ``order_by`` values one collection or sub-collection URL accepts; a collection with no
    funnel stages offers every order hhsync knows."""
    if listing not in COLLECTION_NAMES:
        return SUB_COLLECTION_ORDERS
    if store.funnels.stages_of(vacancy_id, listing):
        return FUNNEL_COLLECTION_ORDERS
    return tuple(ORDER_TYPES)


def _order_types(api: str, store: HhStore, listing: str, vacancy_id: str) -> list[dict[str, Any]]:
    return [
        {
            "id": oid,
            "name": ORDER_TYPES[oid],
            "url": f"{api}/negotiations/{listing}?vacancy_id={vacancy_id}&order_by={oid}",
        }
        for oid in offered_orders(store, vacancy_id, listing)
    ]


def _counted(members: list[Negotiation]) -> dict[str, int]:
    return {"total": len(members), "with_updates": sum(1 for n in members if n.has_updates)}


def collection_members(store: HhStore, vacancy_id: str, collection: str) -> list[Negotiation]:
    """Every negotiation a collection counts (its sub-collections' members included)."""
    return [
        n
        for n in store.negotiations_of(vacancy_id)
        if collection_of(n.employer_state) == collection
    ]


def _sub_collections(
    api: str, store: HhStore, vacancy: Vacancy, collection: str, members: list[Negotiation]
) -> list[dict[str, Any]]:
    """The employer's funnel sub-collections of one collection (none without funnel stages)."""
    stages = store.funnels.stages_of(vacancy.id, collection)
    if not stages:
        return []
    placed = {n.id: store.funnels.stage_of(n.id) for n in members}
    subs: list[tuple[str, str, bool, list[Negotiation]]] = [
        (
            root_sub_collection_id(collection),
            ROOT_SUB_COLLECTION_NAME,
            True,
            [n for n in members if placed[n.id] is None],
        )
    ]
    for stage in stages:
        inside = [n for n in members if (p := placed[n.id]) is not None and p.id == stage.id]
        subs.append((stage.sub_collection_id, stage.name, False, inside))
    return [
        {
            "id": sub_id,
            "name": name,
            "root_collection": root,
            "url": f"{api}/negotiations/{sub_id}?vacancy_id={vacancy.id}",
            "counters": _counted(inside),
            "order_types": _order_types(api, store, sub_id, vacancy.id),
        }
        for sub_id, name, root, inside in subs
    ]


def collections(api: str, store: HhStore, vacancy: Vacancy) -> dict[str, Any]:
    """``GET /negotiations?vacancy_id=``: the collections with counters and sub-collections."""
    items = []
    live: dict[str, int] = {}
    for state_id, name in COLLECTION_NAMES.items():
        members = collection_members(store, vacancy.id, state_id)
        item: dict[str, Any] = {
            "id": state_id,
            "name": name,
            "description": name,
            "hidden": False,
            "url": f"{api}/negotiations/{state_id}?vacancy_id={vacancy.id}",
            "counters": _counted(members),
            "order_types": _order_types(api, store, state_id, vacancy.id),
        }
        subs = _sub_collections(api, store, vacancy, state_id, members)
        if subs:
            item["sub_collections"] = subs
        for key, value in item["counters"].items():
            live[f"{state_id}.{key}"] = value
        items.append(item)
    shown = store.counters.shown(vacancy.id, Scope.COLLECTIONS, live)
    for item in items:
        item["counters"] = {key: shown[f"{item['id']}.{key}"] for key in item["counters"]}
    return {
        "collections": items,
        "generated_collections": [],
        "employer_states": [{"id": k, "name": v} for k, v in EMPLOYER_STATES.items()],
    }


def true_counters(store: HhStore, vacancy_id: str) -> dict[Scope, dict[str, int]]:
    """A vacancy's counters as they truly are, by scope (what a lagging board remembers)."""
    vacancy = store.vacancies[vacancy_id]
    collection_counters = {
        f"{collection}.{key}": value
        for collection in COLLECTION_NAMES
        for key, value in _counted(collection_members(store, vacancy_id, collection)).items()
    }
    return {
        Scope.VACANCY: vacancy_counters(store, vacancy),
        Scope.COLLECTIONS: collection_counters,
    }


def funnel_stage(store: HhStore, negotiation: Negotiation) -> dict[str, Any]:
    """The negotiation's ``funnel_stage``: the employer's stage of its state, or the custom one
    it sits in with that stage's name as ``substate`` (hh.ru OpenAPI spec, EmployersFunnelStage)."""
    state = {"id": negotiation.employer_state, "name": EMPLOYER_STATES[negotiation.employer_state]}
    custom = store.funnels.stage_of(negotiation.id)
    if custom is not None:
        return {"id": custom.id, "state": state, "substate": {"name": custom.name}}
    employer_id = store.vacancies[negotiation.vacancy_id].employer_id
    stage_id = default_funnel_stage_id(
        employer_id, negotiation.employer_state, list(EMPLOYER_STATES)
    )
    return {"id": stage_id, "state": state, "substate": None}


def allowed_actions(negotiation: Negotiation) -> list[str]:
    """Employer states this negotiation may move to from its current one."""
    return [
        state
        for state in EMPLOYER_STATES
        if state != negotiation.employer_state and state not in TERMINAL_TARGETS
    ]


def _actions(api: str, negotiation: Negotiation, archived: bool) -> list[dict[str, Any]]:
    actions = []
    for state in allowed_actions(negotiation):
        actions.append(
            {
                "id": state,
                "name": EMPLOYER_STATES[state],
                "enabled": not archived,
                "hidden": False,
                "method": "PUT",
                "url": f"{api}/negotiations/{state}/{negotiation.id}",
                "resulting_employer_state": {"id": state, "name": EMPLOYER_STATES[state]},
                "arguments": [
                    {"id": "message", "required": False, "required_arguments": []},
                    {
                        "id": "send_sms",
                        "required": False,
                        "required_arguments": [{"id": "message"}],
                    },
                ],
                "templates": [],
            }
        )
    return actions


def negotiation_item(
    api: str, store: HhStore, negotiation: Negotiation, with_vacancy: bool = False
) -> dict[str, Any]:
    """A negotiation as listed in a collection (``with_vacancy`` adds the detail's vacancy)."""
    vacancy = store.vacancies[negotiation.vacancy_id]
    resume = store.resumes.get(negotiation.resume_id)
    item: dict[str, Any] = {
        "id": negotiation.id,
        "created_at": fmt(negotiation.created_at),
        "updated_at": fmt(negotiation.updated_at),
        "state": {
            "id": negotiation.applicant_state,
            "name": APPLICANT_STATES[negotiation.applicant_state],
        },
        "employer_state": {
            "id": negotiation.employer_state,
            "name": EMPLOYER_STATES[negotiation.employer_state],
        },
        "has_updates": negotiation.has_updates,
        "viewed_by_opponent": negotiation.viewed_by_opponent,
        # No ``source`` value means "employer invitation" in the hh.ru OpenAPI spec: both kinds
        # say NEGOTIATION, so clients must tell them apart by ``state`` at first sight.
        "source": "NEGOTIATION",
        "messaging_status": "archived"
        if vacancy.archived
        else ("resume_deleted" if resume is None or resume.deleted else "ok"),
        "counters": {"messages": negotiation.messages, "unread_messages": 0},
        "url": f"{api}/negotiations/{negotiation.id}",
        "messages_url": f"{api}/negotiations/{negotiation.id}/messages",
        "chat_id": negotiation.chat_id,
        "actions": _actions(api, negotiation, vacancy.archived),
        "templates": [],
        "funnel_stage": funnel_stage(store, negotiation),
        "tags": [],
        "resume": None
        if resume is None or resume.deleted
        else short_resume(api, resume, negotiation),
    }
    if with_vacancy:
        short = vacancy_item(api, store, vacancy)
        for key in (
            "counters",
            "has_updates",
            "manager",
            "negotiations_state",
            "can_upgrade_billing_type",
            "billing_type",
            "vacancy_properties",
        ):
            short.pop(key, None)
        short.update(
            {
                "show_contacts": False,
                "response_url": None,
                "sort_point_distance": None,
                "insider_interview": None,
                "professional_roles": [],
            }
        )
        item["vacancy"] = short
    return item


def resume_limits(limit: int, spent: int, left: int) -> dict[str, Any]:
    """``GET /employers/{eid}/managers/{mid}/limits/resume`` (``left`` counts the company's
    limit too)."""
    return {
        "limits": {"resume_view": limit, "resume_view_from_api": limit},
        "spend": {"resume_view": spent, "resume_view_from_api": spent},
        "left": {"resume_view": left, "resume_view_from_api": left},
    }
