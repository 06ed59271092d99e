"""Benchmark: what reading one deep hh.ru listing costs, and how much of it hh.ru hands over.

Builds a vacancy on the hh.ru sandbox (in-process, httpx ASGI transport, the strict 2,000 depth)
whose inbox holds ``--responses`` responses from generated applicants (``--faceless``: none of
them gives a gender, age or salary, and all share one experience bucket and education level, so
no filter can split them), then reads the inbox with :func:`hhsync.hh.deep_listing.read_listing`
and prints the total, what was read, the gap, the requests spent and the parts asked for, next
to one walk's minimum (``ceil(total / 50)``, which hh.ru's depth forbids past 2,000).

    .venv/bin/python scripts/bench_deep_listing.py [--responses 3000] [--faceless]
"""

from __future__ import annotations

import argparse
import asyncio
import math
from collections.abc import Mapping
from typing import Any

import httpx

from hhsync.clock import FrozenClock
from hhsync.hh.deep_listing import ListingTarget, read_listing
from hhsync.hh.errors import error_for_api_answer
from hhsync.hh.models import NegotiationCollections, NegotiationsPage
from hhsync.hh.paging import DEFAULT_MAX_DEPTH_ITEMS
from hhsync.sandbox.hh.app import HhSandboxConfig, create_app

UA = {"HH-User-Agent": "hhsync-bench/1.0 (dev@example.com)"}
FACELESS = {
    "gender": None,
    "birth_year": None,
    "salary": None,
    "total_experience_months": 100,
    "education_level": "higher",
}


async def bench(responses: int, faceless: bool) -> dict[str, Any]:
    """Build the vacancy, read its inbox, return the figures."""
    app = create_app(
        HhSandboxConfig(
            seed=3,
            base_clock=FrozenClock(),
            rate_limit_per_s=0,
            employers=1,
            managers_per_employer=1,
            vacancies_per_employer=1,
            archived_vacancies_per_employer=0,
            applicants=20,
            negotiations_per_vacancy=10,
        )
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hh.test", headers=UA, timeout=60
    ) as http:
        manager = app.state.sandbox.store.employer_managers("1455")[0].id
        pair = (await http.post("/_sandbox/tokens", json={"manager_id": manager})).json()
        http.headers["Authorization"] = f"Bearer {pair['access_token']}"
        vacancy_id = (await http.get("/_sandbox/state")).json()["vacancies"][0]["id"]
        body: dict[str, Any] = {"count": responses}
        if faceless:
            body["resume"] = FACELESS
        added = await http.post(f"/_sandbox/vacancies/{vacancy_id}/responses", json=body)
        added.raise_for_status()
        answer = await http.get("/negotiations", params={"vacancy_id": vacancy_id})
        collections = NegotiationCollections.model_validate(answer.json())
        inbox = next(c for c in collections.collections if c.id == "response")
        target = ListingTarget(
            inbox.id, inbox.url, tuple(o.id for o in inbox.order_types), inbox.counters.total
        )

        async def fetch(url: str, query: Mapping[str, str]) -> NegotiationsPage:
            page = await http.get(httpx.URL(url).copy_merge_params(dict(query)))
            error = error_for_api_answer(page.status_code, page.headers, page.content)
            if error is not None:
                raise error
            return NegotiationsPage.model_validate(page.json())

        read = await read_listing(fetch, target, depth=DEFAULT_MAX_DEPTH_ITEMS)
    return {
        "total": target.total,
        "read": len(read.negotiations),
        "missing": read.missing,
        "requests": read.requests,
        "parts": read.parts,
        "one_walk": math.ceil(target.total / 50),
    }


def main() -> None:
    """Parse the arguments, run, print one line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=3000)
    parser.add_argument("--faceless", action="store_true")
    args = parser.parse_args()
    figures = asyncio.run(bench(args.responses, args.faceless))
    print(" ".join(f"{key}={value}" for key, value in figures.items()))


if __name__ == "__main__":
    main()
