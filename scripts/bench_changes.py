"""Benchmarks of change tracking: each goal of following every change within minutes at a bounded
hh.ru budget, measured against its limit.

Both sandboxes over HTTP, the real engine (or the daemon in this process), a fresh PostgreSQL
database. Sandbox time runs ``--speed`` times faster than the wall clock and every rate and sync
period hhsync is configured with is scaled by the same factor (``hhsync.testing.bench``), so the
settings are the defaults in sandbox time and the figures are sandbox seconds.

    .venv/bin/python scripts/bench_changes.py state-changes [--portals 5] [--vacancies 10]
        [--per-kind 5] [--window-s 600] [--wait-s 600] [--idle-s 720] [--speed 10]
    .venv/bin/python scripts/bench_changes.py incremental [--negotiations 5000] [--real-resumes]
        [--one-collection]
    .venv/bin/python scripts/bench_changes.py deep [--negotiations 3000] [--depth-profile strict]
    .venv/bin/python scripts/bench_changes.py backfill [--big 10000] [--others 50]
        [--per-portal 2] [--window-s 600] [--speed 10]
    .venv/bin/python scripts/bench_changes.py capacity [--portals 20] [--vacancies 10]
        [--window-s 600] [--speed 10]

Subcommands:

- ``state-changes``: K vacancies on each of N portals, the daemon at default settings. First the
  idle fleet's hh.ru requests per vacancy per hour (the sandbox's request log); then state changes
  of four kinds at random times through the hh.ru sandbox's admin API (an employer move, an
  applicant's withdrawal, an invitation of an existing response, a move to another vacancy where
  the sandbox offers it), each timed until the CRM's UF_CRM_HH_STATUS changes: p50/p99 vs 300 s.
- ``incremental``: a vacancy with thousands of responses synced once, then one new response: the
  listing requests of the next pass vs 3 beyond the vacancy list. The big vacancy's applicants
  have deleted their resumes unless ``--real-resumes``, so the set-up import opens none, and its
  responses are spread over three collections of at most 1,900 (``--one-collection``: all in
  one), so the set-up import is complete within the depth and only the incremental read is
  measured.
- ``deep``: a collection bigger than the paging depth (2,000, the strict profile): the fraction
  imported (and the gap reported) vs 1.0.
- ``backfill``: one portal importing 10,000 responses while 50 others receive new ones: their
  latency p50/p99 vs poll interval + 10 s, over a bounded window of the import.
- ``capacity``: the capacity the product computes (its /metrics), against M portals run for a
  window: hh.ru requests per minute vs the budget, and the effective interval achieved.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from hhsync.log import configure
from hhsync.testing.bench import add_speed_option
from hhsync.testing.bench_changes import (
    BackfillConfig,
    CapacityConfig,
    ListingConfig,
    StateChangeConfig,
    measure_backfill,
    measure_capacity,
    measure_deep,
    measure_incremental,
    measure_state_changes,
)


async def run(args: argparse.Namespace) -> Any:
    if args.command == "state-changes":
        return await measure_state_changes(
            StateChangeConfig(
                portals=args.portals,
                vacancies=args.vacancies,
                per_kind=args.per_kind,
                window_s=args.window_s,
                wait_s=args.wait_s,
                idle_s=args.idle_s,
                speed=args.speed,
            )
        )
    if args.command in ("incremental", "deep"):
        cfg = ListingConfig(
            negotiations=args.negotiations,
            depth_profile=args.depth_profile,
            speed=args.speed,
            deleted_resumes=getattr(args, "deleted_resumes", False),
            spread=getattr(args, "spread", False),
        )
        if args.command == "incremental":
            return await measure_incremental(cfg)
        return await measure_deep(cfg)
    if args.command == "backfill":
        return await measure_backfill(
            BackfillConfig(
                big=args.big,
                others=args.others,
                per_portal=args.per_portal,
                window_s=args.window_s,
                depth_profile=args.depth_profile,
                speed=args.speed,
            )
        )
    return await measure_capacity(
        CapacityConfig(
            portals=args.portals,
            vacancies=args.vacancies,
            window_s=args.window_s,
            speed=args.speed,
        )
    )


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = top.add_subparsers(dest="command", required=True)
    state = sub.add_parser("state-changes", help="state changes made on hh.ru -> CRM")
    state.add_argument("--portals", type=int, default=5)
    state.add_argument("--vacancies", type=int, default=10, help="per portal")
    state.add_argument("--per-kind", type=int, default=5, help="changes of each kind")
    state.add_argument("--window-s", type=float, default=600.0, help="changes spread over this")
    state.add_argument("--wait-s", type=float, default=600.0, help="wait after the last change")
    state.add_argument("--idle-s", type=float, default=720.0, help="idle window measured")
    incremental = sub.add_parser("incremental", help="one new response on a big vacancy")
    incremental.add_argument("--negotiations", type=int, default=5000)
    incremental.add_argument("--depth-profile", choices=["strict", "loose"], default="loose")
    incremental.add_argument(
        "--real-resumes",
        dest="deleted_resumes",
        action="store_false",
        help="the big vacancy's resumes are kept (the set-up import then opens each one)",
    )
    incremental.add_argument(
        "--one-collection",
        dest="spread",
        action="store_false",
        help="every response in the response collection (past the depth beyond 2,000)",
    )
    deep = sub.add_parser("deep", help="a collection deeper than the paging depth")
    deep.add_argument("--negotiations", type=int, default=3000)
    deep.add_argument("--depth-profile", choices=["strict", "loose"], default="strict")
    backfill = sub.add_parser("backfill", help="a fleet's latency during one portal's import")
    backfill.add_argument("--big", type=int, default=10_000)
    backfill.add_argument("--others", type=int, default=50)
    backfill.add_argument("--per-portal", type=int, default=2)
    backfill.add_argument("--window-s", type=float, default=600.0)
    backfill.add_argument("--depth-profile", choices=["strict", "loose"], default="loose")
    capacity = sub.add_parser("capacity", help="computed capacity vs a measured run")
    capacity.add_argument("--portals", type=int, default=20)
    capacity.add_argument("--vacancies", type=int, default=10, help="per portal")
    capacity.add_argument("--window-s", type=float, default=600.0)
    for each in (state, incremental, deep, backfill, capacity):
        add_speed_option(each, 10.0)
    return top


def main() -> None:
    args = parser().parse_args()
    configure("warning")
    started = time.monotonic()
    result = asyncio.run(run(args))
    for line in result.lines():
        print(f"{args.command}: {line}")
    print(f"{args.command}: took {time.monotonic() - started:.0f} s wall (speed {args.speed:g})")


if __name__ == "__main__":
    main()
