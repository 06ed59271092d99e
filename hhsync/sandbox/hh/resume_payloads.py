"""Render resumes as an employer sees them from a negotiation (pure functions, no I/O).

The short resume inside negotiations has names but never contacts; the full one (``GET
/resumes/{id}``) adds contacts in hh.ru's formats: ``contact_value`` plus the deprecated ``value``
(a phone object or an e-mail string). Hidden fields come back as nulls (hh.ru OpenAPI spec).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from hhsync.sandbox.hh.generator import msk_offset_format as fmt
from hhsync.sandbox.hh.restricted import full_view
from hhsync.sandbox.hh.store import HIDDEN_FIELD_NAMES, Contact, Negotiation, Resume


def area(api: str, area_id: str, name: str) -> dict[str, Any]:
    """The ``{id, name, url}`` area object."""
    return {"id": area_id, "name": name, "url": f"{api}/areas/{area_id}"}


def phone_object(formatted: str) -> dict[str, Any]:
    """The deprecated phone ``value`` object: country, city code, number and the display form."""
    digits = "".join(ch for ch in formatted if ch.isdigit())
    return {
        "country": digits[:1],
        "city": digits[1:4],
        "number": digits[4:],
        "formatted": formatted,
    }


def _download(api: str, resume: Resume, negotiation: Negotiation | None) -> dict[str, Any]:
    """The PDF/RTF links: the name is one path segment, so every reserved character is escaped.

    hh.ru's documented links percent-encode the name (``.../download/%D0%98%D0%B2...pdf``,
    hh.ru OpenAPI spec, ``get-resume`` example); a ``/`` left bare would cut the path in two.
    """
    name = quote(resume.full_name, safe="")
    context = (
        ""
        if negotiation is None
        else (f"&topic_id={negotiation.id}&vacancy_id={negotiation.vacancy_id}")
    )
    return {
        kind: {"url": f"{api}/resumes/{resume.id}/download/{name}.{kind}?type={kind}{context}"}
        for kind in ("pdf", "rtf")
    }


def _links(api: str, resume: Resume, negotiation: Negotiation | None) -> tuple[str, str]:
    """API and web URLs; through a negotiation they carry ``topic_id`` (it marks it viewed)."""
    if negotiation is None:
        return f"{api}/resumes/{resume.id}", f"https://hh.ru/resume/{resume.id}"
    return (
        f"{api}/resumes/{resume.id}?topic_id={negotiation.id}",
        f"https://hh.ru/resume/{resume.id}?t={negotiation.id}&vacancyId={negotiation.vacancy_id}",
    )


def _education(api: str, resume: Resume) -> dict[str, Any]:
    level_id, level_name = resume.education_level
    return {
        "level": {"id": level_id, "name": level_name},
        "primary": [
            {
                "id": str(i + 1),
                "name": e.institution,
                "name_id": None,
                "organization": e.faculty,
                "organization_id": None,
                "result": e.speciality,
                "result_id": None,
                "year": e.year,
            }
            for i, e in enumerate(resume.education)
        ],
        "additional": [],
        "attestation": [],
        "elementary": [],
    }


def _experience(api: str, resume: Resume, with_description: bool) -> list[dict[str, Any]]:
    hidden = "experience" in resume.hidden_fields
    items = []
    for index, job in enumerate(resume.experience):
        item: dict[str, Any] = {
            "id": str(index + 1),
            "company": None if hidden else job.company,
            "company_id": None,
            "company_url": None,
            "employer": None,
            "industries": [],
            "industry": None,
            "area": area(api, resume.area_id, resume.area_name),
            "position": job.position,
            "start": job.start,
            "end": job.end,
        }
        if with_description:
            item["description"] = job.description
        items.append(item)
    return items


def _actions(api: str, resume: Resume, download: dict[str, Any], full: bool) -> dict[str, Any]:
    """Downloads; without full view also the paid links that would open the contacts (the
    spec's example of a resume with ``can_view_full_info: false``)."""
    if full:
        return {"download": download}
    key = f"{resume.id[:16]}{resume.owner_id}"
    return {
        "download": download,
        "download_with_contact": {
            kind: {"url": f"{link['url']}&with_contact={key}"} for kind, link in download.items()
        },
        "get_with_contact": {"url": f"{api}/resumes/{resume.id}?with_contact={key}"},
    }


def short_resume(api: str, resume: Resume, negotiation: Negotiation | None) -> dict[str, Any]:
    """The resume inside a negotiation: names but no contacts (hh.ru OpenAPI spec)."""
    full = full_view(resume.contact_view_status)
    names_hidden = "names_and_photo" in resume.hidden_fields or resume.contact_view_status == "NONE"
    download = _download(api, resume, negotiation)
    url, alternate_url = _links(api, resume, negotiation)
    return {
        "id": resume.id,
        "title": resume.title,
        "url": url,
        "alternate_url": alternate_url,
        "first_name": None if names_hidden else resume.first_name,
        "last_name": None if names_hidden else resume.last_name,
        "middle_name": None if names_hidden else resume.middle_name,
        "photo": None,
        "age": resume.age,
        "gender": (
            None
            if resume.gender is None
            else {
                "id": resume.gender,
                "name": "Женский" if resume.gender == "female" else "Мужской",
            }
        ),
        "area": area(api, resume.area_id, resume.area_name),
        "created_at": fmt(resume.created_at),
        "updated_at": fmt(resume.updated_at),
        "total_experience": (
            None
            if resume.total_experience_months is None
            else {"months": resume.total_experience_months}
        ),
        "experience": _experience(api, resume, with_description=False),
        "education": _education(api, resume),
        "certificate": [],
        "salary": None if resume.salary is None else {"amount": resume.salary, "currency": "RUR"},
        "hidden_fields": [{"id": f, "name": HIDDEN_FIELD_NAMES[f]} for f in resume.hidden_fields],
        "can_view_full_info": full,
        "contact_view_status": resume.contact_view_status,
        "download": download,
        "actions": _actions(api, resume, download, full),
        "negotiations_history": {"url": f"{api}/resumes/{resume.id}/negotiations_history"},
        "owner": {
            "id": resume.owner_id,
            "comments": {
                "url": f"{api}/applicant_comments/{resume.owner_id}",
                "counters": {"total": 0},
            },
        },
        "real_id": resume.owner_id,
        "platform": {"id": "headhunter"},
        "favorited": False,
        "marked": False,
        "viewed": negotiation is None or negotiation.viewed_by_employer,
    }


def _contact(contact: Contact, hidden_fields: list[str]) -> dict[str, Any]:
    is_phone = contact.kind == "phone"
    hidden = (
        (is_phone and "phones" in hidden_fields)
        or (contact.kind == "email" and "email" in hidden_fields)
        or (contact.kind == "primary" and "other_contacts" in hidden_fields)
    )
    item: dict[str, Any] = {
        "type": {"id": contact.type_id, "name": contact.type_name},
        "preferred": contact.preferred,
        "kind": contact.kind,
        "contact_value": None if hidden else contact.value,
        "comment": contact.comment,
    }
    # ``value`` is deprecated but still sent: an object for phones, a string for e-mail. For a
    # hidden contact it is left out: the spec's oneOf of two nullable schemas rejects a null.
    if is_phone:
        item["verified"] = False
        item["need_verification"] = False
        if not hidden:
            item["value"] = phone_object(contact.value)
    elif contact.kind == "email" and not hidden:
        item["value"] = contact.value
    return item


def full_resume(api: str, resume: Resume, negotiation: Negotiation | None) -> dict[str, Any]:
    """``GET /resumes/{id}`` as the employer sees it from a negotiation: with contacts."""
    payload = short_resume(api, resume, negotiation)
    payload["experience"] = _experience(api, resume, with_description=True)
    payload["birth_date"] = resume.birth_date if resume.contact_view_status != "NONE" else None
    # Without full view no contact channel is shown (IPC: talk inside hh.ru only).
    shown = resume.contacts if full_view(resume.contact_view_status) else []
    payload["contact"] = [_contact(c, resume.hidden_fields) for c in shown]
    payload["site"] = []
    payload["skills"] = None
    payload["skill_set"] = resume.skills
    payload["language"] = [
        {"id": "rus", "name": "Русский", "level": {"id": "l1", "name": "Родной"}}
    ]
    payload["citizenship"] = [{"id": "113", "name": "Россия", "url": f"{api}/areas/113"}]
    payload["recommendation"] = []
    payload["portfolio"] = []
    payload["paid_services"] = []
    payload["resume_locale"] = {"id": "RU", "name": "Русский"}
    citizenship = payload["citizenship"]
    payload.update(
        {
            "work_ticket": citizenship,
            "relocation": {
                "type": {"id": "no_relocation", "name": "не могу переехать"},
                "area": [],
                "district": [],
            },
            "employment": {"id": "full", "name": "Полная занятость"},
            "employments": [{"id": "full", "name": "Полная занятость"}],
            "schedule": {"id": "fullDay", "name": "Полный день"},
            "schedules": [{"id": "fullDay", "name": "Полный день"}],
            "travel_time": {"id": "any", "name": "Не имеет значения"},
            "business_trip_readiness": {"id": "never", "name": "не готов к командировкам"},
            "driver_license_types": [],
            "has_vehicle": False,
            "complaint_status": {"applicant_topics_are_hidden": False},
        }
    )
    return payload
