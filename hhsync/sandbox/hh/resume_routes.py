"""hh.ru resume methods seen from a negotiation: the full resume and its PDF/RTF download."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from hhsync.sandbox.hh import errors, resume_payloads
from hhsync.sandbox.hh.access import api_base, paying_manager
from hhsync.sandbox.hh.guard import JsonBody, sandbox_of
from hhsync.sandbox.hh.pdf import build_pdf
from hhsync.sandbox.hh.store import Manager, Negotiation


def _resume_context(request: Request, manager: Manager, resume_id: str) -> Negotiation | None:
    """The negotiation through which this manager sees the resume (404 if there is none).

    A resume is visible to an employer only through a response or invitation on a vacancy the
    manager can access; a deleted resume is gone (hh.ru OpenAPI spec, ``get-resume``).
    """
    store = sandbox_of(request).store
    resume = store.resumes.get(resume_id)
    if resume is None or resume.deleted:
        raise errors.not_found()
    topic_id = request.query_params.get("topic_id")
    if topic_id is not None:
        topic = store.visible_negotiation(manager, topic_id)
        if topic is None or topic.resume_id != resume_id:
            raise errors.not_found()
        return topic
    if not any(
        n.resume_id == resume_id and store.visible_vacancy(manager, n.vacancy_id)
        for n in store.negotiations.values()
    ):
        raise errors.not_found()
    return None


async def resume(request: Request) -> Response:
    """``GET /resumes/{id}``: full resume with contacts; via ``topic_id`` it marks the response
    viewed; every open counts against the daily views (:mod:`~hhsync.sandbox.hh.resume_quota`)."""
    manager = paying_manager(request)
    sandbox = sandbox_of(request)
    resume_id = request.path_params["resume_id"]
    topic = _resume_context(request, manager, resume_id)
    sandbox.quota.spend(manager.employer_id, manager.id, resume_id, sandbox.now())
    if topic is not None:
        sandbox.store.mark_viewed(topic)
    stored = sandbox.store.resumes[resume_id]
    return JsonBody(resume_payloads.full_resume(api_base(request), stored, topic))


async def resume_download(request: Request) -> Response:
    """``GET /resumes/{id}/download/{name}``: a real PDF (or RTF) while the vacancy is active.

    hh.ru refuses the download once the vacancy is archived; the status is undocumented, so we
    answer 404 (inaccessible) — the client must fetch the file at import time.
    """
    manager = paying_manager(request)
    sandbox = sandbox_of(request)
    resume_id = request.path_params["resume_id"]
    kind = request.query_params.get("type", "")
    if kind not in ("pdf", "rtf") or not request.path_params["file_name"].endswith(f".{kind}"):
        raise errors.bad_argument("type", "type must be pdf or rtf and match the file name")
    topic = _resume_context(request, manager, resume_id)
    store = sandbox.store
    vacancy_id = request.query_params.get("vacancy_id") or (topic.vacancy_id if topic else None)
    related = [
        n
        for n in store.negotiations.values()
        if n.resume_id == resume_id
        and (vacancy_id is None or n.vacancy_id == vacancy_id)
        and store.visible_vacancy(manager, n.vacancy_id)
    ]
    if not related or all(store.vacancies[n.vacancy_id].archived for n in related):
        raise errors.not_found()
    sandbox.quota.spend(manager.employer_id, manager.id, resume_id, sandbox.now())
    item = store.resumes[resume_id]
    filename = quote(f"{item.full_name}.{kind}", safe="")  # RFC 5987 attr-char has no "/"
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"}
    if kind == "rtf":
        text = "{\\rtf1\\ansi " + item.title.encode("ascii", "replace").decode() + "}"
        return Response(text.encode(), media_type="application/rtf", headers=headers)
    lines = [item.full_name, item.title, item.area_name]
    content = build_pdf(
        lines,
        item.full_name,
        size_bytes=sandbox.config.resume_pdf_bytes,
        seed=f"{sandbox.config.seed}:{resume_id}",
    )
    return Response(content, media_type="application/pdf", headers=headers)
