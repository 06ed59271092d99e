"""Pydantic models of the hh.ru payloads hhsync reads (hh-openapi.yml is the authority).

Only the fields hhsync uses are declared. Unknown keys are ignored, because hh.ru adds fields and
keeps legacy ones (hh.ru OpenAPI spec, "Недокументированные поля"); a declared field that is
missing or of the wrong type fails validation, which the client turns into ``InvalidPayload`` with
the request id.
Pure data: no I/O here, so the sandboxes can import these models to check what they serve.
"""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator


class HhModel(BaseModel):
    """Base of every hh.ru payload model: immutable, tolerant of extra keys."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class IdName(HhModel):
    """hh.ru's ubiquitous ``{id, name}`` pair (states, genders, contact types…)."""

    id: str
    name: str


class Area(HhModel):
    """A region or city (``area``)."""

    id: str
    name: str
    url: str | None = None


_Item = TypeVar("_Item", bound=BaseModel)


class Page(HhModel, Generic[_Item]):
    """hh.ru's list envelope: 0-based ``page`` of ``pages``, ``found`` items in all."""

    found: int
    pages: int
    page: int
    per_page: int
    items: list[_Item]


# --- OAuth --------------------------------------------------------------------------------------


class UserTokenResponse(HhModel):
    """``POST /token`` answer for a user: a new access/refresh pair (hh.ru OpenAPI spec)."""

    access_token: str = Field(min_length=1)
    token_type: str
    expires_in: int = Field(gt=0)
    refresh_token: str = Field(min_length=1)


# --- who am I ----------------------------------------------------------------------------------


class MeEmployer(HhModel):
    """The company of the logged-in manager (``/me`` → ``employer``)."""

    id: str
    name: str


class MeManager(HhModel):
    """The logged-in user as a manager of the company (``/me`` → ``manager``)."""

    id: str
    has_admin_rights: bool


class Me(HhModel):
    """``GET /me`` for an employer's manager (spec ``MeManagerProfile``)."""

    id: str
    auth_type: str
    is_employer: bool
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    employer: MeEmployer | None = None
    manager: MeManager | None = None


class Manager(HhModel):
    """One manager of the company (``GET /employers/{id}/managers``)."""

    id: str
    first_name: str | None = None
    last_name: str | None = None
    full_name: str | None = None
    email: str | None = None
    # null when the caller may not see this manager's vacancies (hh.ru OpenAPI spec)
    vacancies_count: int | None = None


# --- vacancies ---------------------------------------------------------------------------------


class VacancyCounters(HhModel):
    """Response counters of a vacancy: the cheap change hints of a pass (hh.ru OpenAPI spec).

    Active vacancies carry all of them; archived ones only ``responses``, ``total_responses`` and
    ``invitations_and_responses``.
    """

    responses: int
    unread_responses: int | None = None
    invitations: int | None = None
    invitations_and_responses: int | None = None
    resumes_in_progress: int | None = None
    views: int | None = None
    total_responses: int | None = None


class VacancyManager(HhModel):
    """The manager who owns a vacancy."""

    id: str
    first_name: str | None = None
    last_name: str | None = None


class Vacancy(HhModel):
    """A vacancy from the employer's active or archived list."""

    id: str
    name: str
    url: str | None = None
    alternate_url: str | None = None
    archived: bool = False
    area: Area | None = None
    created_at: datetime | None = None
    published_at: datetime | None = None
    expires_at: datetime | None = None
    archived_at: datetime | None = None
    has_updates: bool = False
    counters: VacancyCounters | None = None
    manager: VacancyManager | None = None


# --- negotiations ------------------------------------------------------------------------------


class CollectionCounters(HhModel):
    """How many negotiations a collection holds, and how many need attention."""

    total: int
    with_updates: int = 0


class NegotiationSubCollection(HhModel):
    """A funnel sub-collection of a collection (employer-specific, hh.ru OpenAPI spec)."""

    id: str
    name: str
    url: str
    counters: CollectionCounters
    root_collection: bool = False
    # its own orders for ``order_by``, which need not be its parent's (hh.ru OpenAPI spec,
    # ``NegotiationsNegotiationsSubCollection``)
    order_types: list[IdName] = Field(default_factory=list)


class NegotiationCollection(HhModel):
    """One collection of a vacancy's negotiations; list it by following ``url``."""

    id: str
    name: str
    url: str
    counters: CollectionCounters
    sub_collections: list[NegotiationSubCollection] = Field(default_factory=list)
    # the orders the collection's list accepts as ``order_by`` (hh.ru OpenAPI spec)
    order_types: list[IdName] = Field(default_factory=list)


class NegotiationCollections(HhModel):
    """``GET /negotiations?vacancy_id=``: the vacancy's collections and its employer states."""

    collections: list[NegotiationCollection]
    generated_collections: list[NegotiationCollection] = Field(default_factory=list)
    employer_states: list[IdName] = Field(default_factory=list)


class DownloadLink(HhModel):
    """A download URL (resume PDF or RTF)."""

    url: str


class ResumeDownloads(HhModel):
    """The resume's file formats; hhsync uses the PDF."""

    pdf: DownloadLink
    rtf: DownloadLink | None = None


class ResumeActions(HhModel):
    """``resume.actions``: ``download.pdf.url`` is the only place to take the PDF URL from."""

    download: ResumeDownloads


class ResumeBase(HhModel):
    """Fields shared by the short resume (in negotiations) and the full one."""

    id: str
    title: str | None = None
    alternate_url: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    middle_name: str | None = None
    age: int | None = None
    gender: IdName | None = None
    area: Area | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    hidden_fields: list[IdName] = Field(default_factory=list)
    can_view_full_info: bool | None = None
    contact_view_status: str | None = None
    """``FULL``, ``IPC`` (contacts only inside hh.ru) or ``NONE`` (no contact channel)."""
    actions: ResumeActions | None = None

    @field_validator("hidden_fields", mode="before")
    @classmethod
    def _no_hidden_fields(cls, value: object) -> object:
        return [] if value is None else value

    @property
    def pdf_url(self) -> str | None:
        """Where the PDF is downloaded from (never built by hand: it carries ``topic_id``)."""
        return self.actions.download.pdf.url if self.actions else None


class ShortResume(ResumeBase):
    """The resume inside a negotiation: names, but no contacts (hh.ru OpenAPI spec)."""

    # `url` carries ?topic_id=: fetching it gives contacts and marks the response viewed.
    url: str


class PhoneValue(HhModel):
    """The deprecated structured phone (``contact[].value`` for phones)."""

    country: str | None = None
    city: str | None = None
    number: str | None = None
    formatted: str | None = None


class Contact(HhModel):
    """One contact of the full resume: ``contact_value`` now, ``value`` in the legacy form."""

    type: IdName
    preferred: bool = False
    kind: str | None = None
    contact_value: str | None = None
    value: PhoneValue | str | None = None
    comment: str | None = None

    @property
    def text(self) -> str | None:
        """The contact as one string (``None`` when hidden), whichever form hh.ru sent."""
        if self.contact_value:
            return self.contact_value
        if isinstance(self.value, PhoneValue):
            if self.value.formatted:
                return self.value.formatted
            phone = self.value
            if phone.country and phone.city and phone.number:
                return f"+{phone.country}{phone.city}{phone.number}"
            return None
        return self.value or None


class Resume(ResumeBase):
    """The full resume (``GET resume.url``), with contacts (hh.ru OpenAPI spec, ``get-resume``)."""

    url: str | None = None
    birth_date: str | None = None
    contact: list[Contact] = Field(default_factory=list)

    @field_validator("contact", mode="before")
    @classmethod
    def _no_contacts(cls, value: object) -> object:
        """A resume not viewable in full may carry ``contact: null`` ("some fields are null"
        without full view, hh.ru OpenAPI spec ``get-resume``): no contacts, not a bad payload."""
        return [] if value is None else value


class NegotiationActionArgument(HhModel):
    """An argument an action accepts (``message``, ``send_sms``, ``address_id``…)."""

    id: str
    required: bool = False


class NegotiationAction(HhModel):
    """A state change offered for a negotiation: call ``url`` with ``method`` as given."""

    id: str
    name: str
    enabled: bool
    method: str
    url: str
    resulting_employer_state: IdName | None = None
    arguments: list[NegotiationActionArgument] = Field(default_factory=list)


class NegotiationVacancy(HhModel):
    """The short vacancy inside a negotiation item."""

    id: str
    name: str
    archived: bool | None = None
    area: Area | None = None


class FunnelStage(HhModel):
    """The employer-specific funnel stage of a negotiation."""

    id: str
    state: IdName | None = None


class Negotiation(HhModel):
    """A response or invitation (a ``topic``): a collection list item or ``/negotiations/{id}``."""

    id: str
    created_at: datetime
    updated_at: datetime
    state: IdName
    # optional on the item endpoint, always there in collection lists (hh.ru OpenAPI spec)
    employer_state: IdName | None = None
    has_updates: bool = False
    viewed_by_opponent: bool | None = None
    source: str | None = None
    messaging_status: str | None = None
    url: str | None = None
    # null when the applicant deleted or hid the resume (hh.ru OpenAPI spec)
    resume: ShortResume | None = None
    actions: list[NegotiationAction] = Field(default_factory=list)
    vacancy: NegotiationVacancy | None = None
    funnel_stage: FunnelStage | None = None
    chat_id: int | None = None


class NegotiationsPage(Page[Negotiation]):
    """One page of a collection, with the order hh.ru applied."""

    ordered_by: IdName | None = None
    hidden_count: int | None = None


class MessageAuthor(HhModel):
    """Who wrote a message: ``participant_type`` is ``applicant`` or ``employer``."""

    participant_type: str


class NegotiationMessage(HhModel):
    """One message of a negotiation's conversation (``GET /negotiations/{nid}/messages``)."""

    id: str
    created_at: datetime
    author: MessageAuthor


NegotiationMessagesPage = Page[NegotiationMessage]
VacanciesPage = Page[Vacancy]
ManagersPage = Page[Manager]
