"""Pure mapping: a negotiation, its resume and the portal's choices → Bitrix24 CRM fields.

Leads carry the applicant directly (NAME, PHONE, EMAIL, ADDRESS_CITY). Deals have no such fields
in Bitrix24, so for a deal the applicant becomes a contact (created or found) that the deal links
to. Applicant text is hostile input: it is cleaned of markup and control characters, BB codes are
neutralised, and every value is cut to the column it goes into. Hidden or deleted data gets an
explicit placeholder, never an empty or invented value.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from hhsync.bitrix.commands import EntityKind
from hhsync.errors import Skippable
from hhsync.hh.models import Contact, Resume, ShortResume
from hhsync.model.kinds import EntityType, NegotiationKind

ORIGINATOR_ID: Final = "hhsync"

# User fields hhsync creates on a portal's first pass (ARCHITECTURE.md "CRM mapping").
UF_VACANCY: Final = "UF_CRM_HH_VACANCY"
UF_STATUS: Final = "UF_CRM_HH_STATUS"
UF_CREATED_AT: Final = "UF_CRM_HH_CREATED_AT"
UF_RESUME_FILE: Final = "UF_CRM_HH_RESUME"
UF_RESUME_URL: Final = "UF_CRM_HH_RESUME_URL"
UF_NEGOTIATION_ID: Final = "UF_CRM_HH_NEGOTIATION_ID"

# Column sizes of Bitrix24's CRM tables (b_crm_lead / b_crm_deal): longer values fail or are cut.
NAME_MAX: Final = 50
TITLE_MAX: Final = 255
CITY_MAX: Final = 128
STRING_UF_MAX: Final = 255
COMMENTS_MAX: Final = 10_000
PHONE_MAX: Final = 32

HIDDEN_NAME: Final = "Соискатель скрыл ФИО"
# How many trailing characters of a 38-character hh.ru resume id tell hidden-name applicants
# apart in a title a person scans (the full id stays in the resume link and the ORIGIN_ID).
SHORT_RESUME_ID_LEN: Final = 6
DELETED_NAME: Final = "Резюме удалено"


class ContactsHidden(StrEnum):
    """Why an applicant's contacts are not in the CRM (hh.ru OpenAPI spec,
    ``ResumeEmployerFields.contact_view_status`` and the tag «Просмотр резюме»)."""

    BY_APPLICANT = "by_applicant"
    """The applicant hid them (``hidden_fields``: phones, email, other contacts)."""
    INSIDE_HH = "inside_hh"
    """``IPC``: «общение доступно только внутри платформы, внешние контакты скрыты»."""
    NO_ACCESS = "no_access"
    """``NONE`` (or ``can_view_full_info: false``): «каналы связи недоступны» at the current
    access; hh.ru opens them when a manager views the resume with contacts (one contact view
    spent for the company) or invites the applicant to a vacancy («Просмотр резюме с
    контактами»)."""
    NOT_FETCHED = "not_fetched"
    """Only the short resume was read (it never carries contacts)."""


CONTACTS_NOTES: Final[dict[ContactsHidden, str]] = {
    ContactsHidden.BY_APPLICANT: "Соискатель скрыл контакты",
    ContactsHidden.INSIDE_HH: (
        "Внешние контакты скрыты hh.ru: связаться с соискателем можно только внутри hh.ru, "
        "в чате отклика"
    ),
    ContactsHidden.NO_ACCESS: (
        "Контакты на hh.ru недоступны: их откроет просмотр резюме с контактами на hh.ru "
        "(спишется просмотр контакта) или приглашение соискателя на вакансию"
    ),
    ContactsHidden.NOT_FETCHED: "Контакты ещё не получены с hh.ru",
}
"""What the lead's comment and the timeline activity say of contacts not in the CRM."""
KIND_LABELS: Final = {NegotiationKind.RESPONSE: "Отклик", NegotiationKind.INVITATION: "Приглашение"}

# Russian labels of the employer states hh.ru documents; hh.ru's own `employer_state.name` wins.
STATE_LABELS: Final = {
    "response": "Отклик",
    "invitation": "Приглашение",
    "consider": "Подумать",
    "phone_interview": "Телефонное интервью",
    "assessment": "Оценка",
    "interview": "Интервью",
    "offer": "Предложение о работе",
    "hired": "Выход на работу",
    "discard": "Отказ",
    "discard_by_employer": "Отказ",
    "discard_by_applicant": "Отказ соискателя",
    "discard_no_interaction": "Не вышел на связь",
    "discard_vacancy_closed": "Вакансия закрыта",
    "discard_to_other_vacancy": "Переведён на другую вакансию",
    "discard_after_interview": "Отказ после интервью",
    "hold": "Подумать",
}

# hh.ru contact types → Bitrix24 multifield and VALUE_TYPE.
PHONE_TYPES: Final = {"cell": "MOBILE", "home": "HOME", "work": "WORK"}
IM_TYPES: Final = {"telegram": "TELEGRAM", "vk": "VK", "skype": "SKYPE", "viber": "VIBER"}

_TAG = re.compile(r"<[^>]{0,200}>")
_SPACE = re.compile(r"\s+")


class MappingError(Skippable):
    """A response that cannot be turned into valid CRM fields; the text says why. Only that
    response is held back (failed, retried later); the pass goes on with the others."""


@dataclass(frozen=True)
class VacancyView:
    """What the mapping needs of a vacancy."""

    hh_id: str
    name: str
    area_name: str | None = None


@dataclass(frozen=True)
class EntityChoices:
    """The portal's choices for a new entity (from settings and routing)."""

    entity_type: EntityType
    stage: str | None = None
    category_id: int | None = None
    source_id: str | None = None
    responsible_user_id: int | None = None


@dataclass(frozen=True)
class NegotiationView:
    """What the mapping needs of a negotiation."""

    hh_id: str
    kind: NegotiationKind
    employer_state: str
    created_at: datetime
    employer_state_name: str | None = None


@dataclass(frozen=True)
class ResumePdf:
    """The downloaded resume PDF."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class Applicant:
    """The applicant as shown in the CRM and in the timeline activity."""

    display_name: str
    first_name: str
    last_name: str
    middle_name: str
    phones: tuple[tuple[str, str], ...] = ()
    """(number, Bitrix24 VALUE_TYPE)."""
    emails: tuple[str, ...] = ()
    messengers: tuple[tuple[str, str], ...] = ()
    city: str | None = None
    resume_url: str | None = None
    name_hidden: bool = False
    contacts_hidden: bool = False
    contacts_reason: ContactsHidden | None = None
    """Why they are hidden (None with ``contacts_hidden``: the applicant hid them)."""
    resume_deleted: bool = False

    @property
    def contacts_note(self) -> str | None:
        """The recruiter's note on contacts not in the CRM, or None when nothing is hidden."""
        if not self.contacts_hidden:
            return None
        return CONTACTS_NOTES[self.contacts_reason or ContactsHidden.BY_APPLICANT]


@dataclass(frozen=True)
class CrmDraft:
    """Fields for ``crm.lead.add``/``crm.deal.add`` and, for a deal, ``crm.contact.add``."""

    entity_type: EntityType
    fields: dict[str, Any]
    contact_fields: dict[str, Any] | None
    """The contact a deal needs (None for a lead)."""
    applicant: Applicant
    notes: tuple[str, ...] = field(default=())
    linkable_contact: dict[str, Any] = field(default_factory=dict)
    """The applicant as a contact, for linking leads too when the portal asks for it."""


def clean_text(value: str | None, limit: int) -> str:
    """Applicant text made safe for a CRM column: no markup, no control characters, cut to size."""
    if not value:
        return ""
    text = _TAG.sub(" ", value)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" or ch in "\n\t" else " " for ch in text)
    text = _SPACE.sub(" ", text).strip()
    # BB codes are live in COMMENTS and activities: keep applicant brackets from forming tags.
    text = text.replace("[", "(").replace("]", ")")
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def state_label(employer_state: str, hh_name: str | None = None) -> str:
    """The Russian label of an employer state (hh.ru's own name when it sent one)."""
    if hh_name and hh_name.strip():
        return clean_text(hh_name, STRING_UF_MAX)
    return STATE_LABELS.get(employer_state, employer_state)


def entity_kind(entity_type: EntityType) -> EntityKind:
    """Our entity type as the Bitrix24 client names it."""
    return "deal" if entity_type == EntityType.DEAL else "lead"


def stage_field(entity_type: EntityType) -> str:
    """The field that holds an entity's stage: a lead's status, a deal's stage."""
    return "STATUS_ID" if entity_type == EntityType.LEAD else "STAGE_ID"


def hidden_name_label(resume_id: str | None) -> str:
    """The placeholder with a short resume tag, e.g. «Соискатель скрыл ФИО (#3fa90a)».

    A full resume id is 38 characters of hex that nobody reads; its tail is enough to tell two
    hidden-name applicants of one vacancy apart.
    """
    tail = (resume_id or "")[-SHORT_RESUME_ID_LEN:]
    return f"{HIDDEN_NAME} (#{tail})" if tail else HIDDEN_NAME


def applicant_from(resume: Resume | ShortResume | None, resume_id: str | None) -> Applicant:
    """Names and contacts, with explicit placeholders for what hh.ru hides or deleted."""
    if resume is None:
        return Applicant(
            display_name=DELETED_NAME,
            first_name=DELETED_NAME,
            last_name="",
            middle_name="",
            resume_deleted=True,
        )
    hidden = {item.id for item in resume.hidden_fields}
    first = clean_text(resume.first_name, NAME_MAX)
    last = clean_text(resume.last_name, NAME_MAX)
    middle = clean_text(resume.middle_name, NAME_MAX)
    name_hidden = "names_and_photo" in hidden or not (first or last)
    if name_hidden:
        first, last, middle = HIDDEN_NAME, "", ""
        display = hidden_name_label(resume_id or resume.id)
    else:
        display = " ".join(part for part in (last, first, middle) if part)
    phones, emails, messengers = _contacts(resume.contact if isinstance(resume, Resume) else [])
    reason = _contacts_reason(resume, hidden)
    contacts_hidden = not (phones or emails) and reason is not None
    return Applicant(
        display_name=display,
        first_name=first,
        last_name=last,
        middle_name=middle,
        phones=phones,
        emails=emails,
        messengers=messengers,
        city=clean_text(resume.area.name, CITY_MAX) if resume.area else None,
        resume_url=resume.alternate_url,
        name_hidden=name_hidden,
        contacts_hidden=contacts_hidden,
        contacts_reason=reason if contacts_hidden else None,
    )


def _contacts_reason(resume: Resume | ShortResume, hidden: set[str]) -> ContactsHidden | None:
    """Why hh.ru may show no contacts: its access status first (``IPC`` says how to reach the
    applicant), then the applicant's own choice, then a short resume's lack of them."""
    if resume.contact_view_status == "IPC":
        return ContactsHidden.INSIDE_HH
    if resume.contact_view_status == "NONE" or resume.can_view_full_info is False:
        return ContactsHidden.NO_ACCESS
    if hidden & {"phones", "email", "other_contacts"}:
        return ContactsHidden.BY_APPLICANT
    if isinstance(resume, ShortResume):
        return ContactsHidden.NOT_FETCHED
    return None


def build_draft(
    negotiation: NegotiationView,
    vacancy: VacancyView,
    resume: Resume | ShortResume | None,
    resume_id: str | None,
    choices: EntityChoices,
    pdf: ResumePdf | None = None,
) -> CrmDraft:
    """The CRM fields for a new lead or deal (and its contact, for a deal).

    Raises:
        MappingError: when the vacancy has no usable name or the negotiation id is malformed.
    """
    if not negotiation.hh_id.isdigit():
        raise MappingError(f"negotiation id {negotiation.hh_id!r} is not hh.ru's numeric id")
    vacancy_name = clean_text(vacancy.name, STRING_UF_MAX)
    if not vacancy_name:
        raise MappingError(f"vacancy {vacancy.hh_id} has no name to put in TITLE")
    applicant = applicant_from(resume, resume_id)
    title = clean_text(f"{vacancy_name} — {applicant.display_name}", TITLE_MAX)
    status = state_label(negotiation.employer_state, negotiation.employer_state_name)

    fields: dict[str, Any] = {
        "TITLE": title,
        "COMMENTS": _comments(negotiation, vacancy_name, applicant, status),
        "ORIGINATOR_ID": ORIGINATOR_ID,
        "ORIGIN_ID": negotiation.hh_id,
        UF_NEGOTIATION_ID: negotiation.hh_id,
        UF_VACANCY: vacancy_name,
        UF_STATUS: status,
        UF_CREATED_AT: negotiation.created_at.date().isoformat(),
    }
    if choices.source_id:
        fields["SOURCE_ID"] = choices.source_id
    if choices.responsible_user_id is not None:
        fields["ASSIGNED_BY_ID"] = choices.responsible_user_id
    if applicant.resume_url:
        fields[UF_RESUME_URL] = applicant.resume_url
    if pdf is not None:
        fields[UF_RESUME_FILE] = {
            "fileData": [pdf.filename, base64.b64encode(pdf.content).decode("ascii")]
        }
    person = _person_fields(applicant)
    contact = {**person, "ORIGINATOR_ID": ORIGINATOR_ID, "ORIGIN_ID": negotiation.hh_id}
    if applicant.city:
        contact["ADDRESS_CITY"] = applicant.city
    if choices.source_id:
        contact["SOURCE_ID"] = choices.source_id
    if choices.responsible_user_id is not None:
        contact["ASSIGNED_BY_ID"] = choices.responsible_user_id
    if choices.entity_type == EntityType.LEAD:
        fields.update(person)
        if applicant.city:
            fields["ADDRESS_CITY"] = applicant.city
        if choices.stage:
            fields["STATUS_ID"] = choices.stage
    else:
        if choices.category_id is not None:
            fields["CATEGORY_ID"] = choices.category_id
        if choices.stage:
            fields["STAGE_ID"] = choices.stage
    notes = []
    if applicant.contacts_hidden:
        notes.append("contacts hidden by the applicant or not yet available")
    return CrmDraft(
        choices.entity_type,
        fields,
        contact if choices.entity_type == EntityType.DEAL else None,
        applicant,
        tuple(notes),
        contact,
    )


def _person_fields(applicant: Applicant) -> dict[str, Any]:
    person: dict[str, Any] = {"NAME": applicant.first_name}
    if applicant.last_name:
        person["LAST_NAME"] = applicant.last_name
    if applicant.middle_name:
        person["SECOND_NAME"] = applicant.middle_name
    if applicant.phones:
        person["PHONE"] = [{"VALUE": v, "VALUE_TYPE": t} for v, t in applicant.phones]
    if applicant.emails:
        person["EMAIL"] = [{"VALUE": v, "VALUE_TYPE": "WORK"} for v in applicant.emails]
    if applicant.messengers:
        person["IM"] = [{"VALUE": v, "VALUE_TYPE": t} for v, t in applicant.messengers]
    return person


def normalize_phone(text: str) -> str | None:
    """``+7 (495) 552-73-67`` → ``+74955527367``; None when it holds too few digits to dial."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if not 7 <= len(digits) <= 15:
        return None
    if len(digits) == 11 and digits[0] == "8" and not text.lstrip().startswith("+"):
        # Russian domestic trunk prefix: 8 (812) … is +7 (812) …; duplicates only match this way.
        digits = "7" + digits[1:]
    return "+" + digits


_EMAIL = re.compile(r"^[^@\s<>\[\]]{1,64}@[^@\s<>\[\]]{1,255}\.[^@\s<>\[\]]{2,63}$")


def _contacts(
    contacts: list[Contact],
) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...], tuple[tuple[str, str], ...]]:
    phones: list[tuple[str, str]] = []
    emails: list[str] = []
    messengers: list[tuple[str, str]] = []
    # Preferred contacts first: Bitrix24 shows the first value of a multifield in lists.
    for contact in sorted(contacts, key=lambda c: not c.preferred):
        text = contact.text
        if not text:
            continue
        kind = contact.type.id
        if kind in PHONE_TYPES or contact.kind == "phone":
            number = normalize_phone(text)
            if number and number not in {p for p, _ in phones}:
                phones.append((number, PHONE_TYPES.get(kind, "OTHER")))
        elif kind == "email" or contact.kind == "email":
            address = text.strip()
            if _EMAIL.match(address) and address.lower() not in {e.lower() for e in emails}:
                emails.append(address)
        elif kind in IM_TYPES:
            handle = clean_text(text, STRING_UF_MAX)
            if handle:
                messengers.append((handle, IM_TYPES[kind]))
    return tuple(phones), tuple(emails), tuple(messengers)


def _comments(
    negotiation: NegotiationView, vacancy_name: str, applicant: Applicant, status: str
) -> str:
    lines = [
        f"{KIND_LABELS[negotiation.kind]} с hh.ru на вакансию «{vacancy_name}»",
        f"Статус на hh.ru: {status}",
        f"Дата отклика: {negotiation.created_at.strftime('%d.%m.%Y %H:%M')}",
    ]
    if applicant.city:
        lines.append(f"Город: {applicant.city}")
    if applicant.resume_deleted:
        lines.append("Резюме удалено соискателем: контакты и PDF недоступны")
    else:
        if applicant.name_hidden:
            lines.append(applicant.display_name)
        if applicant.contacts_note:
            lines.append(applicant.contacts_note)
        if applicant.resume_url:
            lines.append(f"Резюме: {applicant.resume_url}")
    lines.append(f"Отклик hh.ru № {negotiation.hh_id}")
    return "\n".join(lines)[:COMMENTS_MAX]
