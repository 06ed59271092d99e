"""``GET /me`` as hh.ru renders it for the two kinds of user: a manager and an applicant. Pure.

The shapes are the spec's ``MeManagerProfile`` and ``MeApplicantProfile`` (hh.ru OpenAPI spec,
``MeProfile``, discriminated by ``auth_type``): an integration tells them apart by ``is_employer``
/ ``is_applicant`` and by the ``employer`` and ``manager`` objects, which an applicant lacks.
"""

from __future__ import annotations

from typing import Any

from hhsync.sandbox.hh.site import Applicant
from hhsync.sandbox.hh.store import Employer, Manager


def manager_me(api: str, manager: Manager, employer: Employer) -> dict[str, Any]:
    """``GET /me`` for an employer's manager (``auth_type: employer``)."""
    return {
        "auth_type": "employer",
        "id": manager.user_id,
        "first_name": manager.first_name,
        "last_name": manager.last_name,
        "middle_name": manager.middle_name,
        "email": manager.email,
        "phone": manager.phone,
        "is_admin": False,  # a site administrator flag, never a company admin (hh.ru OpenAPI spec)
        "is_applicant": False,
        "is_employer": True,
        "is_application": False,
        "is_employer_integration": False,
        "is_anonymous": False,
        "is_in_search": None,
        "employer": {"id": employer.id, "name": employer.name, "manager_id": manager.user_id},
        "manager": {
            "id": manager.id,
            "has_admin_rights": manager.is_admin,
            "is_main_contact_person": manager.is_admin,
            "manager_settings_url": f"{api}/employers/{employer.id}/managers/{manager.id}/settings",
            "has_multiple_manager_accounts": False,
        },
        "personal_manager": {
            "id": "1001",
            "email": "personal.manager@hh.ru",
            "first_name": "Мария",
            "last_name": "Персональная",
            "is_available": True,
        },
        "negotiations_url": None,
        "resumes_url": None,
    }


def applicant_me(api: str, applicant: Applicant, resumes_count: int) -> dict[str, Any]:
    """``GET /me`` for an applicant (``auth_type: applicant``): no employer, no manager."""
    return {
        "auth_type": "applicant",
        "id": applicant.id,
        "first_name": applicant.first_name,
        "last_name": applicant.last_name,
        "middle_name": applicant.middle_name,
        "email": applicant.email,
        "phone": None,
        "is_admin": False,
        "is_applicant": True,
        "is_employer": False,
        "is_application": False,
        "is_employer_integration": False,
        "is_anonymous": False,
        "is_in_search": True,
        "employer": None,
        "manager": None,
        "personal_manager": None,
        "counters": {
            "unread_negotiations": 0,
            "new_resume_views": 0,
            "resumes_count": resumes_count,
        },
        "linked_socials": [],
        "resumes_url": f"{api}/resumes/mine",
        "negotiations_url": f"{api}/negotiations",
    }
