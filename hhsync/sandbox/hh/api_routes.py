"""The hh.ru API methods the sandbox serves, each wrapped in hh.ru's per-request rules."""

from __future__ import annotations

from starlette.routing import Route

from hhsync.sandbox.hh.guard import guarded
from hhsync.sandbox.hh.negotiation_routes import (
    change_state,
    mark_read,
    negotiation_collections,
    negotiation_messages,
    negotiation_or_collection,
)
from hhsync.sandbox.hh.resume_routes import resume, resume_download
from hhsync.sandbox.hh.vacancy_routes import (
    active_vacancies,
    archived_vacancies,
    managers,
    me,
    resume_limits,
)


def api_routes() -> list[Route]:
    """The hh.ru API methods of the sandbox."""
    return [
        Route("/me", guarded(me), methods=["GET"]),
        Route("/employers/{employer_id}/managers", guarded(managers), methods=["GET"]),
        Route(
            "/employers/{employer_id}/managers/{manager_id}/limits/resume",
            guarded(resume_limits),
            methods=["GET"],
        ),
        Route(
            "/employers/{employer_id}/vacancies/active", guarded(active_vacancies), methods=["GET"]
        ),
        Route(
            "/employers/{employer_id}/vacancies/archived",
            guarded(archived_vacancies),
            methods=["GET"],
        ),
        Route("/negotiations", guarded(negotiation_collections), methods=["GET"]),
        Route("/negotiations/read", guarded(mark_read), methods=["POST"]),
        Route("/negotiations/{segment}", guarded(negotiation_or_collection), methods=["GET"]),
        Route("/negotiations/{nid}/messages", guarded(negotiation_messages), methods=["GET"]),
        Route("/negotiations/{action}/{nid}", guarded(change_state), methods=["PUT"]),
        Route("/resumes/{resume_id}", guarded(resume), methods=["GET"]),
        # `path`: the name is percent-encoded, and a decoded "/" in it stays inside this segment
        Route(
            "/resumes/{resume_id}/download/{file_name:path}",
            guarded(resume_download),
            methods=["GET"],
        ),
    ]
