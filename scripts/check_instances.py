"""Two ``hhsync run`` processes on one PostgreSQL: every portal synced, none by both at once, and a
killed instance's portals taken over by the other within the lease expiry.

Serves both sandboxes in this process, creates ``--portals`` portals (each with the app installed,
the hh.ru sandbox's admin manager linked and settings saved), starts two daemon subprocesses with a
``--interval`` poll interval and ``--ttl`` lease, SIGKILLs the first after ``--kill-after`` seconds,
lets the second run on, stops it with SIGTERM and then checks the ``sync_run`` rows.

    .venv/bin/python scripts/check_instances.py [--portals 200] [--interval 5] [--ttl 10]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import httpx
from sqlmodel import select

from hhsync.clock import SystemClock
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import SyncRun
from hhsync.model.deadlines import longest_request_timeout_s
from hhsync.sandbox.bitrix.app import BitrixSandboxConfig
from hhsync.sandbox.bitrix.app import create_app as create_bitrix
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.sandbox.hh.app import create_app as create_hh
from hhsync.service.runner import pool_needed
from hhsync.testing.bench import bench_database
from hhsync.testing.portal import install_sandbox_portal
from hhsync.testing.server import free_port, serve

PASSES = 8
"""Passes each daemon runs at once; its pool is the smallest ``hhsync run`` accepts for them."""


async def add_portals(
    count: int, database: Database, cipher: TokenCipher, hh_url: str, b24_url: str
) -> None:
    """Portals ``t0.bitrix24.ru``… on the one hh.ru employer, responses landing in NEW."""
    async with httpx.AsyncClient(headers={"User-Agent": "hhsync-check"}, timeout=30) as http:
        for n in range(count):
            await install_sandbox_portal(
                http,
                hh_url,
                b24_url,
                database,
                cipher,
                domain=f"t{n}.bitrix24.ru",
                stage_map={"response": "NEW"},
            )


def daemon(env: dict[str, str], name: str, logs: Path) -> subprocess.Popen[bytes]:
    with (logs / f"{name}.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "hhsync", "run"],
            env={**env, "HHSYNC_WEB__PORT": str(free_port())},
            stdout=log,
            stderr=subprocess.STDOUT,
        )


async def check(args: argparse.Namespace) -> int:
    key = TokenCipher.generate_key()
    cipher = TokenCipher(key)
    hh_app = create_hh(
        HhSandboxConfig(
            seed=3,
            employers=1,
            managers_per_employer=1,
            vacancies_per_employer=1,
            archived_vacancies_per_employer=0,
            applicants=10,
            negotiations_per_vacancy=2,
            rate_limit_per_s=0,
            resume_views_per_day=100_000,
            resume_views_per_company_per_day=1_000_000,
        )
    )
    b24_app = create_bitrix(BitrixSandboxConfig(seed=3, demo_portals=()))
    with bench_database("hhsync_inst") as db_url:
        database = Database(db_url, pool_size=4)
        with (
            serve(hh_app) as hh_url,
            serve(b24_app) as b24_url,
            tempfile.TemporaryDirectory() as tmp,
        ):
            await add_portals(args.portals, database, cipher, hh_url, b24_url)
            env = {k: v for k, v in os.environ.items() if not k.startswith("HHSYNC_")}
            request_timeout_s = min(30.0, longest_request_timeout_s(args.ttl))
            env.update(
                {
                    "HHSYNC_DATABASE__URL": db_url,
                    "HHSYNC_DATABASE__POOL_SIZE": str(pool_needed(PASSES)),
                    "HHSYNC_SECURITY__TOKEN_KEY": key,
                    "HHSYNC_HH__API_URL": hh_url,
                    "HHSYNC_HH__USER_AGENT_CONTACT": "check@hhsync.invalid",
                    "HHSYNC_HH__REQUESTS_PER_S": "100",
                    "HHSYNC_HH__CLIENT_ID": "hhsync-demo",
                    "HHSYNC_HH__CLIENT_SECRET": "hhsync-demo-secret",
                    "HHSYNC_BITRIX__CLIENT_ID": "hhsync-demo-b24",
                    "HHSYNC_BITRIX__CLIENT_SECRET": "hhsync-demo-b24-secret",
                    "HHSYNC_SYNC__POLL_INTERVAL_S": str(args.interval),
                    "HHSYNC_SYNC__LEASE_TTL_S": str(args.ttl),
                    # The longest Bitrix24 request a lease of this TTL covers (model/deadlines.py).
                    "HHSYNC_BITRIX__REQUEST_TIMEOUT_S": str(request_timeout_s),
                    "HHSYNC_SYNC__MAX_CONCURRENT_PASSES": str(PASSES),
                    "HHSYNC_LOG__LEVEL": "warning",
                    "HHSYNC_LOG__FORMAT": "json",
                }
            )
            logs = Path(args.logs or tmp)
            os.makedirs(logs, exist_ok=True)  # a one-off set-up step, off the hot path
            alpha, beta = daemon(env, "alpha", logs), daemon(env, "beta", logs)
            await asyncio.sleep(args.kill_after)
            killed_at = SystemClock().now()
            alpha.kill()
            alpha.wait()
            await asyncio.sleep(args.after_kill)
            beta.send_signal(signal.SIGTERM)
            beta_rc = beta.wait(timeout=120)
            async with database.session() as session:
                runs = list((await session.exec(select(SyncRun))).all())
            await database.dispose()
    return report(args, runs, killed_at, beta_rc)


def report(args: argparse.Namespace, runs: list[SyncRun], killed_at: datetime, beta_rc: int) -> int:
    by_portal: dict[int, list[SyncRun]] = defaultdict(list)
    for run in runs:
        by_portal[run.portal_id].append(run)
    owners = {run.instance_id for run in runs}
    synced = [p for p, rs in by_portal.items() if any(r.status in {"ok", "partial"} for r in rs)]
    overlaps = 0
    for rs in by_portal.values():
        rs.sort(key=lambda r: r.started_at)
        for earlier, later in itertools.pairwise(rs):
            end = earlier.finished_at or killed_at  # a killed pass ended at the kill at the latest
            if later.started_at < end:
                overlaps += 1
    before_kill = {r.instance_id for r in runs if r.started_at < killed_at}
    takeover_s: list[float] = []
    for rs in by_portal.values():
        before = [r for r in rs if r.started_at < killed_at]
        after = [r for r in rs if r.started_at >= killed_at]
        if before and after:
            takeover_s.append((after[0].started_at - killed_at).total_seconds())
    limit = args.ttl + args.interval + 2
    print(
        f"portals: {args.portals}; instances seen: {sorted(owners)} "
        f"({len(before_kill)} passing before the kill)"
    )
    print(f"portals synced at least once: {len(synced)}/{args.portals}")
    print(f"passes: {len(runs)}; passes of one portal overlapping in time: {overlaps}")
    print(
        f"after SIGKILL: {len(takeover_s)}/{len(by_portal)} portals passed again; slowest "
        f"takeover {max(takeover_s, default=0):.1f} s vs lease {args.ttl} s + interval "
        f"{args.interval} s (+2 s tick) = {limit} s"
    )
    print(f"surviving instance stopped with exit code {beta_rc}")
    ok = (
        len(synced) == args.portals
        and overlaps == 0
        and len(takeover_s) == len(by_portal)
        and max(takeover_s, default=0) <= limit
        and beta_rc == 0
    )
    print("RESULT:", "OK" if ok else "FAILED")
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portals", type=int, default=200)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--ttl", type=float, default=10.0)
    parser.add_argument("--kill-after", type=float, default=30.0)
    parser.add_argument("--after-kill", type=float, default=30.0)
    parser.add_argument("--logs", help="keep the daemons' logs in this directory")
    started = time.monotonic()
    code = asyncio.run(check(parser.parse_args()))
    print(f"took {time.monotonic() - started:.0f} s")
    sys.exit(code)


if __name__ == "__main__":
    main()
