"""In-memory state of the hh.ru sandbox: employers, managers, vacancies, resumes, negotiations.

Plain dataclasses plus the few rules that keep them consistent (one negotiation per vacancy and
resume, state moves, who may see what). No HTTP here; ``app`` and ``admin`` call into it and
``payloads`` renders it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from hhsync.sandbox.hh import messages as conversation
from hhsync.sandbox.hh.counters import CounterBoard
from hhsync.sandbox.hh.site import SiteState
from hhsync.sandbox.hh.states import SYSTEM_DISCARD_STATES, FunnelBook

# hh.ru employer states, which are also the ids of the per-vacancy collections (as in the hh.ru
# OpenAPI spec's examples; hh.ru does not document it as a rule).
EMPLOYER_STATES: dict[str, str] = {
    "response": "Отклик",
    "consider": "Подумать",
    "phone_interview": "Тел. интервью",
    "assessment": "Оценка",
    "interview": "Интервью",
    "offer": "Предложение о работе",
    "hired": "Выход на работу",
    "discard_by_employer": "Отказано",
    **SYSTEM_DISCARD_STATES,
}
COLLECTION_NAMES: dict[str, str] = {
    "response": "Все неразобранные",
    "consider": "Подумать",
    "phone_interview": "Телефонное интервью",
    "assessment": "Оценка",
    "interview": "Интервью",
    "offer": "Предложение о работе",
    "hired": "Выход на работу",
    "discard_by_employer": "Отказ",
}
# Applicant-side states (dictionary ``negotiations_state``).
APPLICANT_STATES: dict[str, str] = {
    "response": "Отклик",
    "invitation": "Приглашение",
    "discard": "Отказ",
    "hidden": "Скрыт",
}
IN_PROGRESS_STATES = frozenset({"consider", "phone_interview", "assessment", "interview", "offer"})
# Values of the dictionary ``resume_hidden_fields`` the generator uses.
HIDDEN_FIELD_NAMES: dict[str, str] = {
    "names_and_photo": "ФИО и фотография",
    "phones": "Все телефоны",
    "email": "Электронная почта",
    "other_contacts": "Другие контакты",
    "experience": "Места работы",
}


class StoreError(Exception):
    """A rule of the sandbox model was broken (admin API turns it into a 400 with this message)."""


@dataclass
class Employer:
    """A company account on hh.ru."""

    id: str
    name: str
    password_generation: int = 0  # bumped by "password changed": older tokens die
    paid_api_access: bool = True  # without it, negotiation and resume methods answer 403


@dataclass
class Manager:
    """A manager (HR user) of an employer; ``is_admin`` means company admin rights."""

    id: str
    employer_id: str
    first_name: str
    last_name: str
    middle_name: str | None
    email: str
    phone: str
    is_admin: bool
    user_id: str
    area_id: str
    area_name: str
    may_list_managers: bool = False
    """A right the company gave this manager without admin rights: the managers list."""

    def lists_managers(self) -> bool:
        """Whether ``GET /employers/{id}/managers`` answers this manager (admins always)."""
        return self.is_admin or self.may_list_managers


@dataclass
class Vacancy:
    """A vacancy owned by one manager; archived vacancies refuse PDF downloads and actions."""

    id: str
    employer_id: str
    manager_id: str
    name: str
    area_id: str
    area_name: str
    created_at: datetime
    published_at: datetime
    expires_at: datetime
    views: int
    salary_from: int | None
    salary_to: int | None
    internship: bool = False
    archived_at: datetime | None = None
    previous_id: str | None = None
    """The archived vacancy this one was published from (hh.ru's ``previous_id``)."""

    @property
    def archived(self) -> bool:
        """Whether the vacancy left the active list."""
        return self.archived_at is not None


@dataclass
class Contact:
    """One contact of a resume: a phone (``kind`` phone), an e-mail or a messenger."""

    type_id: str  # cell | home | work | email | telegram
    type_name: str
    kind: str  # phone | email | primary
    value: str  # formatted phone, e-mail address or handle
    preferred: bool = False
    comment: str | None = None


@dataclass
class Education:
    """One primary education entry (institution, faculty, speciality, year)."""

    institution: str
    faculty: str | None
    speciality: str | None
    year: int


@dataclass
class Experience:
    """One job in the resume."""

    company: str
    position: str
    start: str
    end: str | None
    description: str


@dataclass
class Resume:
    """An applicant's resume; ``deleted`` makes negotiations show ``resume: null``."""

    id: str
    owner_id: str
    title: str
    first_name: str
    last_name: str
    middle_name: str | None
    birth_date: str | None  # None: the applicant gave no birth date (no age shown or filtered)
    gender: str | None  # male | female | None (not given: hh.ru's gender filter keeps it)
    area_id: str
    area_name: str
    created_at: datetime
    updated_at: datetime
    contacts: list[Contact]
    education_level: tuple[str, str]
    education: list[Education]
    experience: list[Experience]
    salary: int | None
    skills: list[str]
    hidden_fields: list[str] = field(default_factory=list)
    deleted: bool = False
    contact_view_status: str = "FULL"
    """FULL, IPC (contacts only inside hh.ru) or NONE (no full view: names and contacts hidden);
    see :mod:`hhsync.sandbox.hh.restricted`."""
    total_experience_months: int | None = None
    """``total_experience.months``; None: no work experience given (``total_experience: null``)."""

    @property
    def age(self) -> int | None:
        """Age in whole years at a fixed reference date (deterministic payloads); None when the
        applicant gave no birth date."""
        if self.birth_date is None:
            return None
        year = int(self.birth_date[:4])
        return 2026 - year

    @property
    def full_name(self) -> str:
        """Name for file names and PDFs (hidden names are not shown)."""
        if "names_and_photo" in self.hidden_fields or self.contact_view_status == "NONE":
            return f"Резюме {self.id[:8]}"
        parts = [self.last_name, self.first_name, self.middle_name or ""]
        return " ".join(p for p in parts if p)


@dataclass
class Negotiation:
    """A response (applicant-initiated) or invitation (employer-initiated) for one vacancy."""

    id: str
    vacancy_id: str
    resume_id: str
    initiator: str  # "applicant" (response) or "employer" (invitation)
    employer_state: str
    applicant_state: str
    created_at: datetime
    updated_at: datetime
    has_updates: bool
    viewed_by_employer: bool
    viewed_by_opponent: bool
    messages: int = 0
    relevance: int = 0
    chat_id: int = 0
    history: list[conversation.Message] = field(default_factory=list)
    # When the applicant last acted (responded, wrote); employer moves leave it alone. hh.ru's
    # default order "По дате создания и активности соискателя" follows it (None: created_at).
    applicant_activity_at: datetime | None = None


@dataclass
class TokenPair:
    """An issued OAuth pair; refresh rotates it, password change or DELETE /token kill it.

    A manager's pair names the manager and the employer; an applicant's names the applicant.
    """

    access_token: str
    refresh_token: str
    login: str  # the website user's e-mail (:class:`~hhsync.sandbox.hh.site.Login`)
    login_generation: int  # the user's password generation when issued
    manager_id: str | None
    employer_id: str | None
    applicant_id: str | None
    issued_at_s: float  # sandbox monotonic seconds
    expires_at_s: float
    password_generation: int  # the employer-wide generation (0 for applicants)
    refreshed: bool = False  # the refresh token was used (single use)
    revoked: bool = False  # DELETE /token or admin revoke
    deactivated: bool = False  # hh.ru deactivated it by itself (``spontaneous_deactivation``)


@dataclass
class AuthCode:
    """A single-use authorization code from the consent page, bound to its redirect URI."""

    code: str
    client_id: str
    login: str
    login_generation: int
    redirect_uri: str
    expires_at_s: float
    code_challenge: str | None
    used: bool = False


@dataclass
class RequestRecord:
    """One line of the request log the admin API shows."""

    at: str
    method: str
    path: str
    query: str
    status: int
    manager_id: str | None
    client: str

    def as_json(self) -> dict[str, Any]:
        """JSON view for the admin API."""
        return {
            "at": self.at,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "manager_id": self.manager_id,
            "client": self.client,
        }


@dataclass
class HhStore:
    """Everything the sandbox knows; the only mutable state of the hh.ru sandbox."""

    employers: dict[str, Employer] = field(default_factory=dict)
    managers: dict[str, Manager] = field(default_factory=dict)
    vacancies: dict[str, Vacancy] = field(default_factory=dict)
    resumes: dict[str, Resume] = field(default_factory=dict)
    negotiations: dict[str, Negotiation] = field(default_factory=dict)
    tokens_by_access: dict[str, TokenPair] = field(default_factory=dict)
    tokens_by_refresh: dict[str, TokenPair] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    site: SiteState = field(default_factory=SiteState)
    vanish_after_list: set[str] = field(default_factory=set)
    funnels: FunnelBook = field(default_factory=FunnelBook)
    counters: CounterBoard = field(default_factory=CounterBoard)
    request_log: deque[RequestRecord] = field(default_factory=lambda: deque(maxlen=5000))
    next_negotiation_id: int = 1_400_000_000

    # --- visibility -------------------------------------------------------------------------

    def visible_vacancy(self, manager: Manager, vacancy_id: str) -> Vacancy | None:
        """The vacancy if this manager may see it: own, or any of the employer's for an admin.

        hh.ru answers 404 (not 403) for a vacancy the caller cannot access (hh.ru OpenAPI spec).
        """
        vacancy = self.vacancies.get(vacancy_id)
        if vacancy is None or vacancy.employer_id != manager.employer_id:
            return None
        if vacancy.manager_id != manager.id and not manager.is_admin:
            return None
        return vacancy

    def visible_negotiation(self, manager: Manager, negotiation_id: str) -> Negotiation | None:
        """The negotiation if its vacancy is visible to this manager."""
        negotiation = self.negotiations.get(negotiation_id)
        if negotiation is None or self.visible_vacancy(manager, negotiation.vacancy_id) is None:
            return None
        return negotiation

    def negotiations_of(self, vacancy_id: str) -> list[Negotiation]:
        """All negotiations of one vacancy (any state)."""
        return [n for n in self.negotiations.values() if n.vacancy_id == vacancy_id]

    def employer_managers(self, employer_id: str) -> list[Manager]:
        """Managers of one employer, in id order."""
        found = [m for m in self.managers.values() if m.employer_id == employer_id]
        return sorted(found, key=lambda m: int(m.id))

    # --- mutations --------------------------------------------------------------------------

    def add_negotiation(
        self,
        vacancy_id: str,
        resume_id: str,
        initiator: str,
        at: datetime,
        employer_state: str | None = None,
    ) -> Negotiation:
        """Create a response or invitation; hh.ru allows one per (vacancy, resume) pair."""
        if vacancy_id not in self.vacancies:
            raise StoreError(f"unknown vacancy_id {vacancy_id!r}")
        if self.vacancies[vacancy_id].archived:
            # hh.ru OpenAPI: a response to an archived vacancy is refused (negotiations/archived),
            # an invitation to one too (negotiations/invalid_vacancy)
            raise StoreError(f"vacancy {vacancy_id} is archived: hh.ru takes no new negotiations")
        if resume_id not in self.resumes:
            raise StoreError(f"unknown resume_id {resume_id!r}")
        if initiator not in ("applicant", "employer"):
            raise StoreError("initiator must be 'applicant' (response) or 'employer' (invitation)")
        if any(n.resume_id == resume_id for n in self.negotiations_of(vacancy_id)):
            raise StoreError(f"resume {resume_id} already has a negotiation on {vacancy_id}")
        state = employer_state or ("response" if initiator == "applicant" else "phone_interview")
        if state not in EMPLOYER_STATES:
            raise StoreError(f"unknown employer_state {state!r}; one of {sorted(EMPLOYER_STATES)}")
        self.next_negotiation_id += 1
        negotiation_id = str(self.next_negotiation_id)
        negotiation = Negotiation(
            id=negotiation_id,
            vacancy_id=vacancy_id,
            resume_id=resume_id,
            initiator=initiator,
            employer_state=state,
            applicant_state="response" if initiator == "applicant" else "invitation",
            created_at=at,
            updated_at=at,
            has_updates=initiator == "applicant",
            viewed_by_employer=initiator == "employer",
            viewed_by_opponent=initiator == "applicant",
            messages=1 if initiator == "applicant" else 0,
            relevance=int(negotiation_id) % 97,
            chat_id=int(negotiation_id) % 1_000_000 + 1000,
        )
        conversation.open_conversation(negotiation)
        self.negotiations[negotiation_id] = negotiation
        self.counters.changed(vacancy_id)
        return negotiation

    def republish(self, archived: Vacancy, at: datetime, open_for: timedelta) -> Vacancy:
        """A new active vacancy published from an archived one (hh.ru's ``previous_id``)."""
        new_id = str(max(int(v) for v in self.vacancies) + 1)
        new = replace(
            archived,
            id=new_id,
            created_at=at,
            published_at=at,
            expires_at=at + open_for,
            archived_at=None,
            previous_id=archived.id,
        )
        self.vacancies[new_id] = new
        return new

    def move(
        self,
        negotiation: Negotiation,
        employer_state: str,
        at: datetime,
        message: str | None = None,
    ) -> None:
        """Move a negotiation to another employer state (collection) and bump ``updated_at``."""
        if employer_state not in EMPLOYER_STATES:
            raise StoreError(
                f"unknown employer_state {employer_state!r}; one of {sorted(EMPLOYER_STATES)}"
            )
        negotiation.employer_state = employer_state
        negotiation.updated_at = at
        self.funnels.leave(negotiation.id)
        self.counters.changed(negotiation.vacancy_id)
        if message is not None:
            # A message with the action changes what the applicant sees (hh.ru OpenAPI spec).
            discard = employer_state == "discard_by_employer"
            negotiation.applicant_state = "discard" if discard else "invitation"
            conversation.employer_wrote(negotiation, message, at)

    def mark_viewed(self, negotiation: Negotiation) -> None:
        """The employer opened it: it leaves ``unread_responses`` and stops needing attention."""
        negotiation.viewed_by_employer = True
        negotiation.has_updates = False
        self.counters.changed(negotiation.vacancy_id)
