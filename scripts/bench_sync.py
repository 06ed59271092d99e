"""Benchmark: initial-import throughput and idle-pass cost against the limits in ARCHITECTURE.md.

Runs the real engine against both sandboxes over HTTP and a fresh PostgreSQL database. Sandbox time
runs ``--speed`` times faster than the wall clock and every rate hhsync is configured with is scaled
by the same factor, so each limit keeps its ratio and the figures are in sandbox seconds.

Prints, for the import: responses/s achieved, the bound min(hh.ru bound, Bitrix24 bound) computed
from the configured limits, and their ratio (goal >= 0.90); for the idle pass: hh.ru requests vs
ceil(V/50)+1 and Bitrix24 requests vs 0.

``--crm-may-hold`` stores the portal as a real install does, over a CRM that may already hold
hhsync's entities: the import looks each response up by origin before creating it.

``--b24-profile`` picks the portal's method time (:mod:`hhsync.sandbox.bitrix.cost_profiles`):
``light`` (the sandbox default, a fast portal) or ``documented`` (the docs' examples: 3.3 s a
lead). The Bitrix24 bound is recomputed from that profile's costs: the least of the request-rate
bound (2 req/s x responses per batch, batches sized by time), the operating-time bound of each
method a response uses (480 s per 600 s / that method's seconds per response, once an import
needs more than one window) and the portal's own time (its commands run one after another).

    .venv/bin/python scripts/bench_sync.py [--responses 500] [--vacancies 20] [--speed 5]
        [--hh-latency-s 0.3] [--pdf-bytes 300000]
        [--crm-may-hold] [--b24-profile light|documented]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time

import httpx

from hhsync.bitrix.batch_time import TARGET_S
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.log import configure
from hhsync.sandbox.bitrix.cost_profiles import CostProfile, named_profile
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.sync.context import SyncContext
from hhsync.sync.engine import run_pass
from hhsync.testing.bench import (
    B24_RATE,
    HH_RATE,
    base_settings,
    bench_database,
    scaled,
    serve_sandboxes,
)
from hhsync.testing.portal import install_sandbox_portal

B24_BURST = 50  # leaky bucket of an ordinary plan
B24_OPERATING_S, B24_WINDOW_S = 480.0, 600.0
HH_REQUESTS_PER_RESPONSE = 2  # resume with contacts + PDF
CREATES_PER_BATCH = 16
# A lead create: the lead (its fields and a small resume PDF in fileData, ~4 KB encoded) and its
# activity (~2 KB of layout). Leads carry no contact of their own.
RESPONSE_COMMANDS: dict[str, float] = {"crm.lead.add": 4.0, "crm.activity.configurable.add": 2.0}


def method_seconds(profile: CostProfile) -> dict[str, float]:
    """Seconds of each method one response costs on ``profile``."""
    return {m: profile.cost(m, kb) for m, kb in RESPONSE_COMMANDS.items()}


def bitrix_bounds(responses: int, profile: CostProfile) -> dict[str, float]:
    """Responses/s the portal allows, by limit: the request rate (one batch per as many creates
    as fit a time-sized batch), the operating time of each method (a per-method budget per 10
    minutes; it binds only once an import needs more method time than one window grants) and
    the portal's own time (a pass sends its create batches one after another)."""
    costs = method_seconds(profile)
    per_response_s = sum(costs.values())
    per_batch = max(1, min(CREATES_PER_BATCH, math.floor(TARGET_S / per_response_s)))
    bounds = {"request rate": B24_RATE * per_batch, "portal time": 1.0 / per_response_s}
    for method, cost in costs.items():
        if responses * cost > B24_OPERATING_S:
            bounds[f"operating {method}"] = B24_OPERATING_S / B24_WINDOW_S / cost
    return bounds


async def bench(
    responses: int,
    vacancies: int,
    speed: float,
    *,
    crm_may_hold: bool,
    profile: str,
    latency_s: float = 0.0,
    pdf_bytes: int = 0,
) -> None:
    per_vacancy = math.ceil(responses / vacancies)
    hh_config = HhSandboxConfig(
        seed=5,
        employers=1,
        managers_per_employer=1,
        vacancies_per_employer=vacancies,
        archived_vacancies_per_employer=0,
        applicants=per_vacancy + 20,
        negotiations_per_vacancy=per_vacancy,
        resume_views_per_day=100_000,
        resume_views_per_company_per_day=1_000_000,
        latency_s=latency_s,
        resume_pdf_bytes=pdf_bytes,
    )
    with (
        bench_database() as db_url,
        serve_sandboxes(hh_config, speed=speed, b24_profile=profile) as sandboxes,
    ):
        await _run(
            sandboxes.hh_url,
            sandboxes.bitrix_url,
            db_url,
            speed,
            vacancies,
            crm_may_hold=crm_may_hold,
            profile=named_profile(profile),
        )


async def _run(
    hh_url: str,
    b24_url: str,
    db_url: str,
    speed: float,
    vacancies: int,
    *,
    crm_may_hold: bool,
    profile: CostProfile,
) -> None:
    key = TokenCipher.generate_key()
    settings = scaled(base_settings(hh_url, db_url, key), speed)
    configure("warning")
    cipher = TokenCipher(key)
    database = Database.from_settings(settings)
    async with httpx.AsyncClient(headers={"User-Agent": "hhsync-bench"}, timeout=30) as http:
        portal = await install_sandbox_portal(
            http,
            hh_url,
            b24_url,
            database,
            cipher,
            domain="bench.bitrix24.ru",
            stage_map={"response": "NEW"},
            crm_known_empty=not crm_may_hold,
        )
        world = (await http.get(f"{hh_url}/_sandbox/state")).json()
        expected = sum(v["negotiations"] for v in world["vacancies"] if not v["archived"])
    ctx = SyncContext.create(settings, database, cipher, instance_id="bench")
    try:
        started = time.monotonic()
        imported = await run_pass(ctx, portal.portal_id)
        wall = time.monotonic() - started
        idle = await run_pass(ctx, portal.portal_id)
    finally:
        await ctx.aclose()
        await database.dispose()
    created = imported.writes.created
    sandbox_s = wall * speed
    achieved = created / sandbox_s
    hh_bound = HH_RATE / HH_REQUESTS_PER_RESPONSE
    b24_bounds = bitrix_bounds(created, profile)
    b24_limit, b24_bound = min(b24_bounds.items(), key=lambda item: item[1])
    bound = min(hh_bound, b24_bound)
    binding = "hh.ru" if hh_bound <= b24_bound else f"Bitrix24 ({b24_limit})"
    idle_limit = math.ceil(vacancies / 50) + 1
    print(
        f"import: {created}/{expected} responses in {wall:.1f} s wall = {sandbox_s:.0f} sandbox s "
        f"(speed {speed:g}, Bitrix24 profile {profile.name})"
    )
    costs = ", ".join(f"{m} {s:.3f} s" for m, s in method_seconds(profile).items())
    shown = ", ".join(f"{k} {v:.2f}" for k, v in b24_bounds.items())
    print(f"bound: per response {costs}; Bitrix24 bounds/s: {shown}")
    per_response_hh = imported.hh_requests / max(created, 1)
    per_response_b24 = imported.writes.commands / max(created, 1)
    print(
        f"import: {achieved:.2f} responses/s vs bound {bound:.2f}/s (hh.ru {hh_bound:.2f}, "
        f"Bitrix24 {b24_bound:.2f}; {binding} binds) -> ratio {achieved / bound:.2f} "
        "(goal >= 0.90)"
    )
    print(
        f"import: hh.ru requests {imported.hh_requests} ({per_response_hh:.2f} per response), "
        f"Bitrix24 requests {imported.bitrix_requests}, commands {imported.writes.commands} "
        f"({per_response_b24:.2f} per response)"
    )
    async with httpx.AsyncClient(base_url=b24_url, timeout=30) as admin:
        log = (await admin.get("/_sandbox/portals/bench.bitrix24.ru/requests?limit=5000")).json()
    statuses = [r["status"] for r in log]
    print(
        f"import: Bitrix24 answers 504 (60 s cut-off) {statuses.count(504)}, "
        f"429 (operating time) {statuses.count(429)}, 503 (request rate) {statuses.count(503)}"
    )
    print(
        f"idle pass: hh.ru requests {idle.hh_requests} vs limit {idle_limit} -> ratio "
        f"{idle.hh_requests / idle_limit:.2f}; Bitrix24 requests {idle.bitrix_requests} vs 0"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=500)
    parser.add_argument("--vacancies", type=int, default=20)
    parser.add_argument("--speed", type=float, default=5.0)
    parser.add_argument("--crm-may-hold", action="store_true")
    parser.add_argument("--b24-profile", choices=["light", "documented"], default="light")
    parser.add_argument(
        "--hh-latency-s", type=float, default=0.0, help="hh.ru round trip, sandbox seconds"
    )
    parser.add_argument("--pdf-bytes", type=int, default=0, help="size of each resume PDF")
    args = parser.parse_args()
    asyncio.run(
        bench(
            args.responses,
            args.vacancies,
            args.speed,
            crm_may_hold=args.crm_may_hold,
            profile=args.b24_profile,
            latency_s=args.hh_latency_s,
            pdf_bytes=args.pdf_bytes,
        )
    )


if __name__ == "__main__":
    main()
