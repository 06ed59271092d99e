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
lead before its PDF). The bound (:mod:`hhsync.testing.bench_bound`) prices the create hhsync
sends for each response of the world (its fields, the Base64 PDF of ``--pdf-bytes``, its
activity's layout) with the sandbox's own cost function, and is printed twice: the *nominal*
bound (2 hh.ru requests a response) and the *measured* one (the hh.ru requests a response this
run spent: listing pages and a negotiation's messages come on top).

``--hh-latency-s`` and ``--pdf-bytes`` default to realistic figures (50 ms, 200,000 bytes),
which are the sandbox's own assumptions, not documented ones (``hhsync.sandbox.hh.runtime``);
0 sets either off.

    .venv/bin/python scripts/bench_sync.py [--responses 500] [--vacancies 20] [--speed 5]
        [--hh-latency-s 0.05] [--pdf-bytes 200000]
        [--crm-may-hold] [--b24-profile light|documented]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from dataclasses import dataclass

import httpx

from hhsync.db import state
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.log import configure
from hhsync.sandbox.bitrix.cost_profiles import CostProfile, named_profile
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.sync.context import SyncContext
from hhsync.sync.engine import PassReport, run_pass
from hhsync.testing.bench import (
    Sandboxes,
    add_speed_option,
    add_world_options,
    base_settings,
    bench_database,
    scaled,
    serve_sandboxes,
)
from hhsync.testing.bench_bound import Create, ImportBound, describe, import_bound, world_creates
from hhsync.testing.portal import install_sandbox_portal

MAX_IMPORT_PASSES = 200
"""A bound on the import's passes, so a run that cannot finish ends."""


async def bench(
    responses: int,
    vacancies: int,
    speed: float,
    *,
    crm_may_hold: bool,
    profile: str,
    latency_s: float,
    pdf_bytes: int,
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
    print(f"world: hh.ru round trip {latency_s:g} s, resume PDF {pdf_bytes} bytes")
    with (
        bench_database() as db_url,
        serve_sandboxes(hh_config, speed=speed, b24_profile=profile) as sandboxes,
    ):
        await _run(
            sandboxes,
            db_url,
            speed,
            vacancies,
            crm_may_hold=crm_may_hold,
            profile=named_profile(profile),
            creates=world_creates(sandboxes.hh, pdf_bytes),
        )


async def _run(
    sandboxes: Sandboxes,
    db_url: str,
    speed: float,
    vacancies: int,
    *,
    crm_may_hold: bool,
    profile: CostProfile,
    creates: list[Create],
) -> None:
    hh_url, b24_url = sandboxes.hh_url, sandboxes.bitrix_url
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
        imported = await _import(ctx, database, portal.portal_id, settings.sync.poll_interval_s)
        wall = time.monotonic() - started
        idle = await run_pass(ctx, portal.portal_id)
    finally:
        await ctx.aclose()
        await database.dispose()
    created = imported.created
    sandbox_s = wall * speed
    achieved = created / sandbox_s
    per_response_hh = imported.hh_requests / max(created, 1)
    per_response_b24 = imported.commands / max(created, 1)
    bound = import_bound(profile, creates, created, per_response_hh if created else None)
    print(
        f"import: {created}/{expected} responses in {wall:.1f} s wall = {sandbox_s:.0f} sandbox s "
        f"(speed {speed:g}, Bitrix24 profile {profile.name}), {imported.passes} pass(es)"
    )
    for line in describe(bound):
        print(line)
    for line in bound_lines(achieved, bound, per_response_hh):
        print(line)
    print(
        f"import: hh.ru requests {imported.hh_requests} ({per_response_hh:.2f} per response), "
        f"Bitrix24 requests {imported.bitrix_requests}, commands {imported.commands} "
        f"({per_response_b24:.2f} per response)"
    )
    async with httpx.AsyncClient(base_url=b24_url, timeout=30) as admin:
        log = (await admin.get("/_sandbox/portals/bench.bitrix24.ru/requests?limit=5000")).json()
    statuses = [r["status"] for r in log]
    idle_limit = math.ceil(vacancies / 50) + 1
    print(
        f"import: Bitrix24 answers 504 (60 s cut-off) {statuses.count(504)}, "
        f"429 (operating time) {statuses.count(429)}, 503 (request rate) {statuses.count(503)}"
    )
    print(
        f"idle pass: hh.ru requests {idle.hh_requests} vs limit {idle_limit} -> ratio "
        f"{idle.hh_requests / idle_limit:.2f}; Bitrix24 requests {idle.bitrix_requests} vs 0"
    )


@dataclass
class ImportFigures:
    """What the passes of one import did, summed."""

    passes: int = 0
    created: int = 0
    hh_requests: int = 0
    bitrix_requests: int = 0
    commands: int = 0

    def add(self, report: PassReport) -> None:
        self.passes += 1
        self.created += report.writes.created
        self.hh_requests += report.hh_requests
        self.bitrix_requests += report.bitrix_requests
        self.commands += report.writes.commands


async def _import(
    ctx: SyncContext, database: Database, portal_id: int, poll_interval_s: float
) -> ImportFigures:
    """Passes as the daemon runs them, one per poll interval, until nothing waits: an import
    that spends the portal's operating time ends its pass and goes on once the window frees."""
    figures = ImportFigures()
    for _ in range(MAX_IMPORT_PASSES):
        figures.add(await run_pass(ctx, portal_id))
        async with database.session() as session:
            counts = await state.count_by_status(session, portal_id)
        if not any(counts.get(s, 0) for s in ("pending", "in_flight", "failed")):
            break
        await asyncio.sleep(poll_interval_s)
    return figures


def rate(value: float) -> str:
    """Responses/s with two decimals, three below one (a slow portal's 0.176)."""
    return f"{value:.2f}" if value >= 1 else f"{value:.3f}"


def bound_lines(achieved: float, bound: ImportBound, hh_per_response: float) -> list[str]:
    """The achieved rate against the nominal bound and against the measured one."""
    lines = []
    for measured, name in ((False, "nominal bound"), (True, "measured bound")):
        side, value = bound.bound(measured=measured)
        hh = bound.hh_measured if measured and bound.hh_measured else bound.hh_nominal
        per = f"{hh_per_response:.2f}" if measured else "2"
        _, b24 = bound.bitrix_bound
        lines.append(
            f"import: {rate(achieved)} responses/s vs {name} {rate(value)}/s (hh.ru {rate(hh)} "
            f"at {per} requests a response, Bitrix24 {rate(b24)}; {side} binds) -> ratio "
            f"{achieved / value:.2f} (goal >= 0.90)"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=500)
    parser.add_argument("--vacancies", type=int, default=20)
    add_speed_option(parser, 5.0)
    parser.add_argument("--crm-may-hold", action="store_true")
    add_world_options(parser)
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
