"""Resume opens of the hh.ru sandbox: every fetch and download counts, per manager and per company,
the quota a company sets for a manager, and resume PDFs of a realistic size.

Sources: hh.ru's terms quoted in hhru/api #855 (3.1.11: 8,000 opens per company a day; 3.1.12: 200
or 500 per manager, every open of a resume from a response counts); hhru/api docs/errors.md
("Работа с резюме": 429 ``view_limit_exceeded``, 403 ``quota_exceeded``); hhru/api PR #419
(``left`` of ``limits/resume`` takes the company limit into account).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from hh_sandbox_testkit import ADMIN_ID, EMPLOYER_ID, MANAGER_ID, bearer

from hhsync.sandbox.hh.latency import Latency
from hhsync.sandbox.hh.pdf import build_pdf
from hhsync.sandbox.hh.runtime import HhSandbox


def _opens_of(sandbox: HhSandbox, manager_id: str, count: int) -> list[tuple[str, str]]:
    """``count`` (resume URL, PDF URL) pairs of distinct resumes on the manager's own vacancies."""
    store = sandbox.store
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for negotiation in sorted(store.negotiations.values(), key=lambda n: n.id):
        vacancy = store.vacancies[negotiation.vacancy_id]
        resume = store.resumes.get(negotiation.resume_id or "")
        if (
            vacancy.manager_id != manager_id
            or vacancy.archived
            or resume is None
            or resume.deleted
            or resume.id in seen
        ):
            continue
        seen.add(resume.id)
        query = f"topic_id={negotiation.id}&vacancy_id={vacancy.id}"
        found.append(
            (
                f"/resumes/{resume.id}?{query}",
                f"/resumes/{resume.id}/download/cv.pdf?type=pdf&{query}",
            )
        )
        if len(found) == count:
            return found
    raise AssertionError("not enough resumes")


async def _limits(client: httpx.AsyncClient, headers: dict[str, str], manager: str) -> Any:
    answer = await client.get(
        f"/employers/{EMPLOYER_ID}/managers/{manager}/limits/resume", headers=headers
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_every_fetch_and_download_counts(
    client: httpx.AsyncClient, tokens: Any, sandbox: HhSandbox
) -> None:
    """hhru/api #855: a view is every open ("совокупность открытий (кликов)"), PDFs included."""
    await client.post("/_sandbox/limits", json={"resume_views_per_day": 3})
    headers = bearer(await tokens(ADMIN_ID))
    (resume, pdf), (other, _) = _opens_of(sandbox, ADMIN_ID, 2)
    assert (await client.get(resume, headers=headers)).status_code == 200
    assert (await client.get(pdf, headers=headers)).status_code == 200
    assert (await client.get(resume, headers=headers)).status_code == 200
    limits = await _limits(client, headers, ADMIN_ID)
    assert limits["spend"]["resume_view"] == 3
    assert limits["left"]["resume_view"] == 0
    refused = await client.get(other, headers=headers)
    assert refused.status_code == 429
    assert refused.json()["errors"] == [{"type": "resumes", "value": "view_limit_exceeded"}]


async def test_unique_counting_is_a_knob(
    client: httpx.AsyncClient, tokens: Any, sandbox: HhSandbox
) -> None:
    """The gentler reading: one (manager, resume) pair costs one view a day."""
    answer = await client.post(
        "/_sandbox/limits", json={"resume_views_per_day": 1, "resume_views_unique": True}
    )
    assert answer.json()["resume_views_unique"] is True
    headers = bearer(await tokens(ADMIN_ID))
    (resume, pdf), (other, _) = _opens_of(sandbox, ADMIN_ID, 2)
    for url in (resume, pdf, resume):
        assert (await client.get(url, headers=headers)).status_code == 200
    assert (await _limits(client, headers, ADMIN_ID))["spend"]["resume_view"] == 1
    assert (await client.get(other, headers=headers)).status_code == 429


async def test_company_daily_cap_covers_all_managers(
    client: httpx.AsyncClient, tokens: Any, sandbox: HhSandbox
) -> None:
    """hhru/api #855 (3.1.11): at most 8,000 opens per company a day, whoever opens them."""
    assert sandbox.quota.per_company_per_day == 8000
    await client.post("/_sandbox/limits", json={"resume_views_per_company_per_day": 2})
    admin = bearer(await tokens(ADMIN_ID))
    manager = bearer(await tokens(MANAGER_ID))
    (mine, _), (again, _) = _opens_of(sandbox, ADMIN_ID, 2)
    theirs, _ = _opens_of(sandbox, MANAGER_ID, 1)[0]
    assert (await client.get(mine, headers=admin)).status_code == 200
    assert (await client.get(theirs, headers=manager)).status_code == 200
    assert (await _limits(client, manager, MANAGER_ID))["left"]["resume_view"] == 0
    refused = await client.get(again, headers=admin)
    assert refused.status_code == 429
    assert refused.json()["errors"] == [{"type": "resumes", "value": "view_limit_exceeded"}]


async def test_manager_quota_gives_403_quota_exceeded(
    client: httpx.AsyncClient, tokens: Any, sandbox: HhSandbox
) -> None:
    """hhru/api docs/errors.md: 403 resumes/quota_exceeded, "превышена квота просмотров резюме
    установленная менеджеру"; the other managers keep their own limit."""
    answer = await client.post("/_sandbox/limits", json={"resume_view_quotas": {ADMIN_ID: 1}})
    assert answer.json()["resume_view_quotas"] == {ADMIN_ID: 1}
    headers = bearer(await tokens(ADMIN_ID))
    (first, pdf), (second, _) = _opens_of(sandbox, ADMIN_ID, 2)
    assert (await client.get(first, headers=headers)).status_code == 200
    assert (await _limits(client, headers, ADMIN_ID))["limits"]["resume_view"] == 1
    for url in (second, pdf):
        refused = await client.get(url, headers=headers)
        assert refused.status_code == 403
        body = refused.json()
        assert body["errors"] == [{"type": "resumes", "value": "quota_exceeded"}]
        assert body["request_id"] == refused.headers["X-Request-ID"]
    other = bearer(await tokens(MANAGER_ID))
    theirs, _ = _opens_of(sandbox, MANAGER_ID, 1)[0]
    assert (await client.get(theirs, headers=other)).status_code == 200


async def test_bad_quota_knobs_are_refused(client: httpx.AsyncClient) -> None:
    for body in (
        {"resume_view_quotas": {ADMIN_ID: -1}},
        {"resume_view_quotas": [1]},
        {"resume_views_unique": "yes"},
        {"latency_s": -0.1},
    ):
        answer = await client.post("/_sandbox/limits", json=body)
        assert answer.status_code == 400, body
        assert answer.json()["error"]


async def test_resume_pdf_has_the_configured_size(
    client: httpx.AsyncClient, tokens: Any, sandbox: HhSandbox
) -> None:
    """Real resume PDFs weigh hundreds of KB; the padded file stays a valid PDF, and the same
    seed gives the same bytes."""
    await client.post("/_sandbox/limits", json={"resume_pdf_bytes": 300_000})
    headers = bearer(await tokens(ADMIN_ID))
    (_, pdf), (_, other_pdf) = _opens_of(sandbox, ADMIN_ID, 2)
    first = (await client.get(pdf, headers=headers)).content
    second = (await client.get(pdf, headers=headers)).content
    other = (await client.get(other_pdf, headers=headers)).content
    assert first.startswith(b"%PDF-1.4")
    assert first.endswith(b"%%EOF\n")
    assert 290_000 <= len(first) <= 310_000
    assert first == second
    assert other != first


def test_padded_pdf_keeps_a_correct_xref() -> None:
    content = build_pdf(["Иванов Иван"], "Иванов Иван", size_bytes=50_000, seed="1:r")
    xref_at = int(content.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    assert content[xref_at:].startswith(b"xref\n0 8\n")
    rows = content[xref_at:].split(b"\n")[3:10]
    for number, row in enumerate(rows, start=1):
        offset = int(row.split(b" ")[0])
        assert content[offset:].startswith(f"{number} 0 obj".encode()), number
    assert b"/Im1 7 0 R" in content
    assert b"/Im1 Do" in content


async def test_latency_holds_answers_and_counts_requests_in_flight(
    client: httpx.AsyncClient, tokens: Any
) -> None:
    """Answers wait the configured round trip, so concurrent requests overlap at the sandbox."""
    answer = await client.post("/_sandbox/limits", json={"latency_s": 0.05})
    assert answer.json()["latency_s"] == 0.05
    headers = bearer(await tokens(ADMIN_ID))
    answers = await asyncio.gather(*(client.get("/me", headers=headers) for _ in range(4)))
    assert all(a.status_code == 200 for a in answers)
    assert (await client.get("/_sandbox/limits")).json()["in_flight_peak"] == 4


def test_jitter_is_reproducible_and_never_negative(sandbox: HhSandbox) -> None:
    latency = sandbox.latency
    latency.delay_s, latency.jitter_s = 0.1, 0.2
    delays = [latency.next_delay_s() for _ in range(50)]
    assert min(delays) >= 0.0
    assert max(delays) <= 0.3
    assert len(set(delays)) > 1
    again = Latency(sandbox.clock, 0.1, 0.2, sandbox.config.seed)
    assert [again.next_delay_s() for _ in range(50)] == delays


async def test_an_open_answered_500_after_it_was_counted_still_counts(
    client: httpx.AsyncClient, tokens: Any, sandbox: HhSandbox
) -> None:
    """hhru/api #855: every open of a resume counts against the daily views. An open hh.ru counts
    and then answers 500 (``error_after_write``: the work done, the answer lost) has spent its
    view; asking again spends another. ``GET /_sandbox/resume_views`` shows the count."""
    headers = bearer(await tokens(ADMIN_ID))
    (resume, pdf), _ = _opens_of(sandbox, ADMIN_ID, 2)
    fault = {"kind": "error_after_write", "path_contains": "/resumes/"}
    await client.post("/_sandbox/faults", json={"fault": fault, "times": 2})
    assert (await client.get(resume, headers=headers)).status_code == 500
    assert (await client.get(pdf, headers=headers)).status_code == 500
    views = (await client.get("/_sandbox/resume_views")).json()
    assert views["by_manager"] == {ADMIN_ID: 2}
    assert views["by_company"] == {EMPLOYER_ID: 2}
    assert (await client.get(resume, headers=headers)).status_code == 200
    after = (await client.get("/_sandbox/resume_views")).json()
    assert after["by_manager"] == {ADMIN_ID: 3}
    assert after["date"] == views["date"]
    limits = await _limits(client, headers, ADMIN_ID)
    assert limits["spend"]["resume_view"] == 3
