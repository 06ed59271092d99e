"""What every benchmark in ``scripts/`` shares: a fresh database, both sandboxes served over real
HTTP at ``speed`` times the wall clock, hhsync's settings with every rate and period scaled by the
same factor (so each limit keeps its ratio and figures are in sandbox seconds), the daemon run in
this process, the hh.ru sandbox's request log, and the lines that print a figure against its
limit.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any, Final

import httpx
import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url
from starlette.applications import Starlette

from hhsync.clock import Clock, SystemClock
from hhsync.config import Settings, load_settings
from hhsync.db import migrate
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.sandbox.bitrix.app import BitrixSandboxConfig
from hhsync.sandbox.bitrix.app import create_app as create_bitrix
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.sandbox.hh.app import create_app as create_hh
from hhsync.sandbox.hh.runtime import (
    REALISTIC_RESUME_PDF_BYTES,
    REALISTIC_ROUND_TRIP_S,
    HhSandbox,
)
from hhsync.service.runner import Runner, pool_needed
from hhsync.service.scheduler import tick_interval_s
from hhsync.testing.server import serve

HH_RATE: Final = 10.0
"""hh.ru requests/s per client IP (ARCHITECTURE.md)."""
B24_RATE: Final = 2.0
"""Bitrix24 requests/s per portal on an ordinary plan."""
SCALED_SYNC_PERIODS: Final = (
    "poll_interval_s",
    "reconcile_period_s",
    "state_watch_period_s",
    "retry_base_s",
    "retry_max_s",
)
"""Sync settings that are periods of sandbox time: divided by the speed (those the code has)."""
WALL: Final[Clock] = SystemClock()
"""Benchmarks time themselves on the wall clock."""


def admin_url() -> str:
    """The PostgreSQL server the benchmark's database is created on."""
    return os.environ.get(
        "HHSYNC_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )


@contextmanager
def bench_database(prefix: str = "hhsync_bench") -> Iterator[str]:
    """A new database migrated to head (its async URL), dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    base = make_url(admin_url())
    libpq = base.set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    db_url = base.set(drivername="postgresql+psycopg", database=name).render_as_string(False)
    try:
        migrate.upgrade(db_url)
        yield db_url
    finally:
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def base_settings(hh_url: str, db_url: str, key: str, **environ: str) -> Settings:
    """hhsync's settings for the sandboxes at their defaults (nothing scaled yet)."""
    return load_settings(
        environ={
            "HHSYNC_DATABASE__URL": db_url,
            "HHSYNC_SECURITY__TOKEN_KEY": key,
            "HHSYNC_HH__API_URL": hh_url,
            "HHSYNC_HH__USER_AGENT_CONTACT": "bench@hhsync.invalid",
            "HHSYNC_HH__CLIENT_ID": "hhsync-demo",
            "HHSYNC_HH__CLIENT_SECRET": "hhsync-demo-secret",
            "HHSYNC_BITRIX__CLIENT_ID": "hhsync-demo-b24",
            "HHSYNC_BITRIX__CLIENT_SECRET": "hhsync-demo-b24-secret",
            "HHSYNC_LOG__LEVEL": "warning",
            **environ,
        }
    )


def scaled(settings: Settings, speed: float, *, passes: int | None = None) -> Settings:
    """``settings`` run ``speed`` times faster: the request rates multiplied, the sync periods
    (:data:`SCALED_SYNC_PERIODS`, those this code has) divided. The validators' floors guard real
    deployments; sandbox time at ``speed`` may go below them, so the copy is not re-validated.
    ``passes`` sets the passes at once and a pool to match."""
    sync = settings.sync
    periods = {
        name: getattr(sync, name) / speed for name in SCALED_SYNC_PERIODS if hasattr(sync, name)
    }
    if passes is not None:
        periods["max_concurrent_passes"] = passes
    pool = pool_needed(passes or sync.max_concurrent_passes)
    return settings.model_copy(
        update={
            "sync": sync.model_copy(update=periods),
            "hh": settings.hh.model_copy(
                update={"requests_per_s": settings.hh.requests_per_s * speed}
            ),
            "bitrix": settings.bitrix.model_copy(
                update={"requests_per_s": settings.bitrix.requests_per_s * speed}
            ),
            "database": settings.database.model_copy(
                update={"pool_size": max(pool, settings.database.pool_size)}
            ),
        }
    )


def sandbox_period_s(settings: Settings, name: str, speed: float) -> float | None:
    """A scaled sync period back in sandbox seconds; None when this code has no such setting."""
    value = getattr(settings.sync, name, None)
    return None if value is None else float(value) * speed


@dataclass
class Sandboxes:
    """Both sandboxes served over HTTP, their apps at hand for the benchmark's own bookkeeping."""

    hh_app: Starlette
    bitrix_app: Starlette
    hh_url: str
    bitrix_url: str
    speed: float

    @property
    def hh(self) -> HhSandbox:
        """The hh.ru sandbox's live state."""
        sandbox: HhSandbox = self.hh_app.state.sandbox
        return sandbox

    def hh_now_s(self) -> float:
        """Sandbox seconds on the hh.ru sandbox's clock."""
        return self.hh.now_s()

    def keep_whole_request_log(self) -> None:
        """The hh.ru sandbox keeps its last 5,000 requests; a benchmark counting a long window
        needs every one, so its log is made unbounded for the run."""
        self.hh.store.request_log = type(self.hh.store.request_log)(self.hh.store.request_log)


@contextmanager
def serve_sandboxes(
    hh_config: HhSandboxConfig, *, speed: float, b24_profile: str = "light"
) -> Iterator[Sandboxes]:
    """Both sandboxes at ``speed`` on free ports, the Bitrix24 one on ``b24_profile``."""
    hh_config.speed = speed
    hh_app = create_hh(hh_config)
    bitrix_app = create_bitrix(
        BitrixSandboxConfig(
            seed=hh_config.seed,
            speed=speed,
            demo_portals=(),
            cost_profile=b24_profile,
            real_latency=True,
        )
    )
    with serve(hh_app) as hh_url, serve(bitrix_app) as bitrix_url:
        yield Sandboxes(hh_app, bitrix_app, hh_url, bitrix_url, speed)


@asynccontextmanager
async def running_daemon(
    settings: Settings, database: Database, cipher: TokenCipher, speed: float
) -> AsyncIterator[Runner]:
    """``hhsync run`` in this process (no web server), its claim tick scaled with the rest."""
    unscaled_poll_s = settings.sync.poll_interval_s * speed
    runner = Runner(
        settings,
        database,
        cipher,
        instance_id="bench",
        serve_web=False,
        tick_s=tick_interval_s(unscaled_poll_s) / speed,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop, handle_signals=False), name="bench-daemon")
    try:
        async with asyncio.timeout(30):
            await runner.started.wait()
        yield runner
    finally:
        stop.set()
        await task


async def sleep_sandbox(sandboxes: Sandboxes, seconds: float) -> None:
    """Sleep ``seconds`` of sandbox time."""
    await asyncio.sleep(seconds / sandboxes.speed)


# --- options every benchmark script shares ---------------------------------------------------


def add_speed_option(parser: argparse.ArgumentParser, default: float) -> None:
    """``--speed``: sandbox seconds per wall second."""
    parser.add_argument(
        "--speed", type=float, default=default, help=f"sandbox s per wall s (default {default:g})"
    )


def add_world_options(parser: argparse.ArgumentParser) -> None:
    """``--hh-latency-s``, ``--pdf-bytes`` and ``--b24-profile``. The first two default to the
    sandbox's realistic figures (``hhsync.sandbox.hh.runtime``): its own assumptions, not
    documented ones; 0 sets either off (hh.ru answering at once, bare one-page PDFs)."""
    parser.add_argument(
        "--hh-latency-s",
        type=float,
        default=REALISTIC_ROUND_TRIP_S,
        help=f"hh.ru round trip, sandbox s (default {REALISTIC_ROUND_TRIP_S:g}: an assumption; "
        "0 off)",
    )
    parser.add_argument(
        "--pdf-bytes",
        type=int,
        default=REALISTIC_RESUME_PDF_BYTES,
        help=f"size of each resume PDF (default {REALISTIC_RESUME_PDF_BYTES}: an assumption; "
        "0 a bare page)",
    )
    parser.add_argument(
        "--b24-profile",
        choices=["light", "documented"],
        default="light",
        help="the Bitrix24 portal's method time (hhsync/sandbox/bitrix/cost_profiles.py)",
    )


# --- the hh.ru request log -----------------------------------------------------------------


def request_kind(path: str) -> str:
    """What an hh.ru API request was for, from its path: ``vacancy list``, ``collections``
    (``GET /negotiations``), ``listing`` (a collection's page), ``negotiation``, ``messages``,
    ``resume``, ``other``."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 3 and parts[0] == "employers" and parts[2] == "vacancies":
        return "vacancy list"
    if parts == ["negotiations"]:
        return "collections"
    if len(parts) >= 2 and parts[0] == "negotiations":
        if not parts[1].isdigit():
            return "listing"
        return "messages" if parts[-1] == "messages" else "negotiation"
    if parts and parts[0] == "resumes":
        return "resume"
    return "other"


async def hh_requests(
    http: httpx.AsyncClient, hh_url: str, since_iso: str | None = None
) -> list[dict[str, Any]]:
    """The hh.ru sandbox's logged API requests, those at or after ``since_iso`` (sandbox time)."""
    answer = await http.get(f"{hh_url}/_sandbox/requests")
    answer.raise_for_status()
    items: list[dict[str, Any]] = answer.json()["items"]
    return [r for r in items if since_iso is None or r["at"] >= since_iso]


def by_kind(requests: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Request counts by :func:`request_kind`."""
    counts: dict[str, int] = {}
    for record in requests:
        kind = request_kind(record["path"])
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def hh_now_iso(sandboxes: Sandboxes) -> str:
    """The hh.ru sandbox's time now, as its request log writes it."""
    return sandboxes.hh.now().isoformat()


# --- figures ------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100); ``inf`` for values never observed."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def ratio_line(label: str, value: float, limit: float, unit: str = "", goal: str = "<=") -> str:
    """``label: value unit vs limit unit -> ratio r (goal <= 1.00)``; ``inf`` reads "not seen"."""

    def shown(x: float) -> str:
        if math.isinf(x):
            return "not seen"
        return f"{x:.2f}{unit}" if abs(x) < 100 else f"{x:.0f}{unit}"

    ratio = value / limit if limit else math.nan
    ratio_text = "inf" if math.isinf(ratio) else f"{ratio:.2f}"
    return (
        f"{label}: {shown(value)} vs limit {shown(limit)} -> ratio {ratio_text} (goal {goal} 1.00)"
    )


def seconds_text(values: Sequence[float]) -> str:
    """p50/p99/max of sandbox seconds, "not seen" for the infinite ones."""
    if not values:
        return "no samples"
    seen = [v for v in values if not math.isinf(v)]
    unseen = len(values) - len(seen)

    def shown(x: float) -> str:
        return "not seen" if math.isinf(x) else f"{x:.1f} s"

    text = (
        f"p50 {shown(percentile(values, 50))}, p99 {shown(percentile(values, 99))}, "
        f"max {shown(max(values))} over {len(values)}"
    )
    return text + (f" ({unseen} not seen within the wait)" if unseen else "")
