"""Benchmark: what the archived vacancy list, read on every pass, costs.

Asks the hh.ru sandbox (in process) for an employer's archived list at ``per_page=1000`` (hh.ru's
default and maximum there) with 10, 100 and 1000 archived vacancies, through hhsync's own client,
and prints the requests it took, the body's size raw and gzip-compressed (what travels when hh.ru
compresses, as httpx asks it to), and the time hhsync's client takes to read and parse it.

    .venv/bin/python scripts/bench_archived_list.py
"""

from __future__ import annotations

import asyncio
import gzip
import time
from typing import Any

import httpx

from hhsync.hh.budget import RequestBudget
from hhsync.hh.client import HhClient
from hhsync.sandbox.hh.app import HhSandboxConfig, create_app
from hhsync.sync.vacancy_list import ARCHIVED_PER_PAGE

SIZES = (10, 100, 1000)


def world(archived: int) -> Any:
    """A sandbox whose one employer has one open vacancy and ``archived`` archived ones."""
    return create_app(
        HhSandboxConfig(
            seed=7,
            employers=1,
            managers_per_employer=1,
            vacancies_per_employer=1,
            archived_vacancies_per_employer=archived,
            applicants=20,
            negotiations_per_vacancy=2,
            rate_limit_per_s=0,
        )
    )


async def measure(archived: int) -> str:
    app = world(archived)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hh.test", headers={"User-Agent": "bench"}
    ) as admin:
        shown = (await admin.get("/_sandbox/state")).json()
        employer = shown["employers"][0]
        manager = employer["managers"][0]["id"]
        pair = (await admin.post("/_sandbox/tokens", json={"manager_id": manager})).json()
        path = f"/employers/{employer['id']}/vacancies/archived"
        body = await admin.get(
            path,
            params={"per_page": ARCHIVED_PER_PAGE},
            headers={"Authorization": f"Bearer {pair['access_token']}"},
        )
        await admin.delete("/_sandbox/requests")
    headers = {"User-Agent": "bench", "Authorization": f"Bearer {pair['access_token']}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hh.test", headers=headers
    ) as http:
        hh = HhClient(http, auth=None, budget=RequestBudget(1000.0), account_key="bench")
        started = time.perf_counter()
        listed = await hh.archived_vacancies(employer["id"], per_page=ARCHIVED_PER_PAGE)
        spent_ms = (time.perf_counter() - started) * 1000
    async with httpx.AsyncClient(transport=transport, base_url="http://hh.test") as admin:
        log = (await admin.get("/_sandbox/requests")).json()["items"]
    requests = sum(1 for r in log if r["path"] == path)
    raw = len(body.content)
    packed = len(gzip.compress(body.content))
    return (
        f"| {archived} | {len(listed)} | {requests} | {raw / 1024:.0f} KiB | "
        f"{packed / 1024:.1f} KiB | {spent_ms:.0f} ms |"
    )


async def main() -> None:
    print("| archived | listed | requests | body | gzip | request + parse (sandbox in process) |")
    print("|---|---|---|---|---|---|")
    for size in SIZES:
        print(await measure(size))


if __name__ == "__main__":
    asyncio.run(main())
