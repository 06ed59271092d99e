"""In-memory portals: users, directories, pipelines, user fields, CRM entities, files, activities.

Pure data and small invariants; no HTTP. One :class:`Portal` per domain; the REST layer finds it
by the domain in the path and checks that the token belongs to it.
"""

from __future__ import annotations

import itertools
import random
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hhsync.sandbox.bitrix.app_state import AppState
from hhsync.sandbox.bitrix.cost_profiles import LIGHT, CostProfile
from hhsync.sandbox.bitrix.limits import LeakyBucket, OperatingBudget, RatePlan
from hhsync.sandbox.faults import FaultPlan


@dataclass
class User:
    """A portal employee; the token's user decides what a call may do."""

    id: int
    name: str
    last_name: str
    email: str
    admin: bool = False
    active: bool = True
    work_position: str = ""
    departments: tuple[int, ...] = (1,)
    registered: str = "2025-09-01T00:00:00+03:00"


@dataclass
class Status:
    """A row of ``crm.status.list``: lead statuses, sources, deal stages per pipeline."""

    id: int
    entity_id: str
    status_id: str
    name: str
    sort: int
    system: bool = False
    category_id: int | None = None
    color: str = "#39A8EF"
    semantics: str | None = None  # None = in process, "S" success, "F" failure


@dataclass
class Category:
    """A deal pipeline (``crm.category.list``); id 0 is the default one."""

    id: int
    name: str
    sort: int

    @property
    def stage_entity(self) -> str:
        """The status directory holding this pipeline's stages."""
        return "DEAL_STAGE" if self.id == 0 else f"DEAL_STAGE_{self.id}"

    @property
    def stage_prefix(self) -> str:
        """Stage ids in non-default pipelines carry ``C{id}:``."""
        return "" if self.id == 0 else f"C{self.id}:"


@dataclass
class UserField:
    """A custom field (``UF_CRM_*``) of leads (``CRM_LEAD``) or deals (``CRM_DEAL``)."""

    id: int
    entity_id: str
    field_name: str
    user_type_id: str
    label: str
    multiple: bool = False
    mandatory: bool = False
    sort: int = 100
    xml_id: str | None = None
    show_filter: str = "N"
    show_in_list: bool = True
    edit_in_list: bool = True
    is_searchable: bool = False
    settings: dict[str, Any] = field(default_factory=dict)
    enum_items: list[dict[str, Any]] = field(default_factory=list)
    error_message: str | None = None
    help_message: str | None = None

    @property
    def kind(self) -> str:
        """``lead``, ``deal`` or ``contact``."""
        return ENTITY_KINDS[self.entity_id]


@dataclass
class MultiValue:
    """One phone/e-mail/web/IM row of an entity."""

    id: int
    type_id: str
    value_type: str
    value: str


@dataclass
class CrmEntity:
    """A lead, deal or contact: standard fields as PHP stores them, UF values, rows."""

    kind: str
    id: int
    fields: dict[str, Any]
    multi: list[MultiValue] = field(default_factory=list)
    uf: dict[str, Any] = field(default_factory=dict)
    contact_ids: list[int] = field(default_factory=list)
    """Contacts a lead or deal is linked to (``CONTACT_IDS``; ``CONTACT_ID`` is the first)."""


@dataclass
class StoredFile:
    """A file uploaded through a file user field."""

    id: int
    name: str
    content: bytes
    owner_kind: str
    owner_id: int
    field_name: str


@dataclass
class Activity:
    """A timeline activity: configurable (app layout) or a to-do."""

    id: int
    owner_type_id: int
    owner_id: int
    provider_id: str
    provider_type_id: str
    subject: str
    created: str
    author_id: int
    responsible_id: int
    fields: dict[str, Any] = field(default_factory=dict)
    layout: dict[str, Any] | None = None
    description: str = ""
    deadline: str | None = None
    completed: bool = False
    client_id: str = ""


@dataclass
class TimelineComment:
    """A ``crm.timeline.comment.add`` record."""

    id: int
    entity_type: str
    entity_id: int
    comment: str
    created: str
    author_id: int


@dataclass
class RequestRecord:
    """One line of the request log the admin API returns."""

    at: str
    client_ip: str
    http_method: str
    method: str
    status: int
    error: str | None
    commands: list[str] = field(default_factory=list)


OWNER_TYPES = {1: "lead", 2: "deal", 3: "contact"}
ENTITY_IDS = {"lead": "CRM_LEAD", "deal": "CRM_DEAL", "contact": "CRM_CONTACT"}
ENTITY_KINDS = {entity_id: kind for kind, entity_id in ENTITY_IDS.items()}


@dataclass
class Portal:
    """One Bitrix24 account with the hhsync application on it."""

    domain: str
    member_id: str
    application_token: str
    plan: RatePlan
    lang: str = "ru"
    license: str = "ru_basic"
    installed: bool = True
    install_finished: bool = True
    managers_see_own_only: bool = False  # CRM role: non-admins read only their own records
    crm_mode: int = 1  # crm.settings.mode.get: 1 classic (leads), 2 simple (no leads)
    strict_activity_layout: bool = True  # crm.activity.configurable.*: codes, colours, fields
    users: dict[int, User] = field(default_factory=dict)
    statuses: list[Status] = field(default_factory=list)
    categories: dict[int, Category] = field(default_factory=dict)
    userfields: dict[tuple[str, str], UserField] = field(default_factory=dict)
    """By ``(ENTITY_ID, FIELD_NAME)``: a lead and a deal field may share a name, as on a portal."""
    entities: dict[str, dict[int, CrmEntity]] = field(
        default_factory=lambda: {"lead": {}, "deal": {}, "contact": {}}
    )
    files: dict[int, StoredFile] = field(default_factory=dict)
    activities: dict[int, Activity] = field(default_factory=dict)
    comments: dict[int, TimelineComment] = field(default_factory=dict)
    placements: list[dict[str, Any]] = field(default_factory=list)
    event_handlers: list[dict[str, Any]] = field(default_factory=list)
    app: AppState = field(default_factory=AppState)
    # field name -> label used in the "required field is missing" message, per entity kind
    required: dict[str, dict[str, str]] = field(
        default_factory=lambda: {"lead": {}, "deal": {}, "contact": {}}
    )
    # kind -> status/stage id -> field name -> label: required only while in that stage
    stage_required: dict[str, dict[str, dict[str, str]]] = field(
        default_factory=lambda: {"lead": {}, "deal": {}, "contact": {}}
    )
    buckets: dict[str, LeakyBucket] = field(default_factory=dict)
    operating: OperatingBudget = field(default_factory=OperatingBudget)
    method_costs: dict[str, float] = field(default_factory=dict)
    cost_profile: CostProfile = LIGHT
    faults: FaultPlan = field(default_factory=FaultPlan)
    log: deque[RequestRecord] = field(default_factory=lambda: deque(maxlen=5000))
    _ids: dict[str, itertools.count[int]] = field(default_factory=dict)

    def next_id(self, sequence: str) -> int:
        """The next id of ``sequence`` (lead, deal, multifield, file, activity, userfield…)."""
        start = {
            "lead": 1,
            "deal": 1,
            "contact": 1,
            "activity": 1001,
            "file": 5001,
            "multifield": 101,
            "userfield": 501,
            "comment": 1,
            "status": 1001,
        }.get(sequence, 1)
        return next(self._ids.setdefault(sequence, itertools.count(start)))

    def bucket(self, client_ip: str) -> LeakyBucket:
        """The request bucket of ``client_ip`` on this portal."""
        bucket = self.buckets.get(client_ip)
        if bucket is None:
            bucket = self.buckets[client_ip] = LeakyBucket(self.plan)
        return bucket

    def set_plan(self, plan: RatePlan) -> None:
        """Change the tariff limits for every client IP."""
        self.plan = plan
        for bucket in self.buckets.values():
            bucket.plan = plan

    def statuses_of(self, entity_id: str) -> list[Status]:
        """Rows of one directory, by SORT."""
        return sorted((s for s in self.statuses if s.entity_id == entity_id), key=lambda s: s.sort)

    def userfield(self, kind: str, name: str) -> UserField | None:
        """The user field ``name`` of leads, deals or contacts."""
        return self.userfields.get((ENTITY_IDS[kind], name))

    def userfields_of(self, kind: str) -> list[UserField]:
        """User fields of leads, deals or contacts, by SORT then ID."""
        entity_id = ENTITY_IDS[kind]
        return sorted(
            (u for u in self.userfields.values() if u.entity_id == entity_id),
            key=lambda u: (u.sort, u.id),
        )

    def owner(self, owner_type_id: int, owner_id: int) -> CrmEntity | None:
        """The lead/deal an activity or comment belongs to."""
        kind = OWNER_TYPES.get(owner_type_id)
        return None if kind is None else self.entities[kind].get(owner_id)

    def drop_timeline_of(self, kind: str, entity_id: int) -> None:
        """Forget what an entity's timeline holds: its activities and comments.

        Deleting a lead or deal removes "all related objects, such as CRM activities, history,
        Timeline activities" (Bitrix24 REST docs, crm.deal.delete and crm.lead.delete); an
        activity here has one owner, so none is left bound to another entity.
        """
        owner_type_id = next(t for t, name in OWNER_TYPES.items() if name == kind)
        self.activities = {
            key: activity
            for key, activity in self.activities.items()
            if (activity.owner_type_id, activity.owner_id) != (owner_type_id, entity_id)
        }
        self.comments = {
            key: comment
            for key, comment in self.comments.items()
            if (comment.entity_type, comment.entity_id) != (kind, entity_id)
        }

    def counts(self) -> dict[str, int]:
        """Entity counts for the admin API."""
        return {
            "leads": len(self.entities["lead"]),
            "deals": len(self.entities["deal"]),
            "contacts": len(self.entities["contact"]),
            "activities": len(self.activities),
            "comments": len(self.comments),
            "files": len(self.files),
            "userfields": len(self.userfields),
        }


DEFAULT_USERS = (
    User(
        1,
        "Анна",
        "Воронцова",
        "anna.vorontsova@example.ru",
        admin=True,
        work_position="HR-директор",
    ),
    User(2, "Игорь", "Белов", "igor.belov@example.ru", work_position="Рекрутер"),
    User(3, "Светлана", "Крылова", "svetlana.krylova@example.ru", work_position="Рекрутер"),
    User(4, "Павел", "Орлов", "pavel.orlov@example.ru", active=False, work_position="Рекрутер"),
)

LEAD_STATUSES = (
    ("NEW", "Не обработан", None, "#39A8EF"),
    ("IN_PROCESS", "В работе", None, "#2FC6F6"),
    ("PROCESSED", "Обработан", None, "#55D0E0"),
    ("CONVERTED", "Качественный лид", "S", "#7BD500"),
    ("JUNK", "Некачественный лид", "F", "#FF5752"),
)
SOURCES = (
    ("CALL", "Звонок"),
    ("EMAIL", "Электронная почта"),
    ("WEB", "Веб-сайт"),
    ("ADVERTISING", "Реклама"),
    ("PARTNER", "Существующий клиент"),
    ("RECOMMENDATION", "По рекомендации"),
    ("TRADE_SHOW", "Выставка"),
    ("WEBFORM", "CRM-форма"),
    ("CALLBACK", "Обратный звонок"),
    ("RC_GENERATOR", "Генератор продаж"),
    ("STORE", "Интернет-магазин"),
    ("OTHER", "Другое"),
)
DEAL_STAGES = (
    ("NEW", "Новая", None, "#39A8EF"),
    ("PREPARATION", "Подготовка документов", None, "#2FC6F6"),
    ("PREPAYMENT_INVOICE", "Счёт на предоплату", None, "#55D0E0"),
    ("EXECUTING", "В работе", None, "#47E4C2"),
    ("FINAL_INVOICE", "Финальный счёт", None, "#FFA900"),
    ("WON", "Сделка успешна", "S", "#7BD500"),
    ("LOSE", "Сделка провалена", "F", "#FF5752"),
    ("APOLOGY", "Анализ причины провала", "F", "#FF5752"),
)
DEAL_TYPES = (("SALE", "Продажа"), ("COMPLEX", "Комплексная продажа"), ("SERVICES", "Услуги"))


def add_pipeline(portal: Portal, category: Category) -> None:
    """Create a pipeline with the default eight stages (``C{id}:`` prefixed outside pipeline 0)."""
    portal.categories[category.id] = category
    for index, (code, name, semantics, color) in enumerate(DEAL_STAGES):
        portal.statuses.append(
            Status(
                id=portal.next_id("status"),
                entity_id=category.stage_entity,
                status_id=category.stage_prefix + code,
                name=name,
                sort=(index + 1) * 10,
                system=code in {"NEW", "WON", "LOSE"},
                color=color,
                semantics=semantics,
                category_id=None if category.id == 0 else category.id,
            )
        )


def new_portal(domain: str, rng: random.Random, plan: RatePlan, lang: str = "ru") -> Portal:
    """A fresh portal with users, lead statuses, sources, deal types and two pipelines."""
    portal = Portal(
        domain=domain,
        member_id=f"{rng.getrandbits(128):032x}",
        application_token=f"{rng.getrandbits(128):032x}",
        plan=plan,
        lang=lang,
        faults=FaultPlan(seed=rng.getrandbits(32)),
    )
    for user in DEFAULT_USERS:
        portal.users[user.id] = User(**user.__dict__)
    for index, (code, name, semantics, color) in enumerate(LEAD_STATUSES):
        portal.statuses.append(
            Status(
                portal.next_id("status"),
                "STATUS",
                code,
                name,
                (index + 1) * 10,
                system=True,
                color=color,
                semantics=semantics,
            )
        )
    for index, (code, name) in enumerate(SOURCES):
        portal.statuses.append(
            Status(portal.next_id("status"), "SOURCE", code, name, (index + 1) * 10, system=True)
        )
    for index, (code, name) in enumerate(DEAL_TYPES):
        portal.statuses.append(
            Status(portal.next_id("status"), "DEAL_TYPE", code, name, (index + 1) * 10, system=True)
        )
    add_pipeline(portal, Category(0, "Общая", 100))
    add_pipeline(portal, Category(1, "Подбор персонала", 200))
    return portal


def now_iso(moment: datetime) -> str:
    """ISO text of a sandbox moment (request log)."""
    return moment.replace(microsecond=0).isoformat()
