"""The change-tracking benchmarks (``scripts/bench_changes.py``) at their smallest sizes, so the
script cannot rot: each measurement runs end to end against both sandboxes and the database and
returns figures that add up. No timing is asserted; the figures themselves go to BENCHMARKS.md."""

from __future__ import annotations

import math

from hhsync.testing.bench_changes import (
    KINDS,
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

SPEED = 20.0


async def test_state_changes_are_timed_and_the_idle_fleet_counted(db_url: str) -> None:
    cfg = StateChangeConfig(
        portals=1, vacancies=2, per_kind=1, window_s=20, wait_s=400, idle_s=60, speed=SPEED
    )
    result = await measure_state_changes(cfg, db_url)
    assert set(result.latencies_s) | set(result.skipped) == set(KINDS)
    assert all(len(values) == 1 for values in result.latencies_s.values())
    assert all(v > 0 for v in result.all_latencies())
    assert result.idle_requests.get("vacancy list", 0) >= 1  # the daemon polled while idle
    assert result.vacancies == 2
    assert result.poll_s == 60.0  # the default, in sandbox seconds
    assert any("p99" in line for line in result.lines())


async def test_incremental_counts_the_pass_after_one_new_response(db_url: str) -> None:
    cfg = ListingConfig(negotiations=60, speed=SPEED, deleted_resumes=True)
    result = await measure_incremental(cfg, db_url)
    assert result.imported == 60
    assert result.arrived
    assert result.requests.get("vacancy list", 0) >= 1
    assert result.listing >= 1
    assert result.requests.get("resume", 0) >= 1  # the new response's resume was opened
    assert any("listing requests" in line for line in result.lines())


async def test_deep_reports_what_a_collection_past_the_depth_brought(db_url: str) -> None:
    cfg = ListingConfig(negotiations=120, depth_limit=100, depth_profile="strict", speed=SPEED)
    result = await measure_deep(cfg, db_url)
    assert result.total == 120
    assert result.depth == 100
    assert result.depth <= result.stored <= result.total  # at least what the depth lets through
    assert result.leads == result.stored
    assert result.stored + result.gap <= result.total
    assert any("fraction imported" in line for line in result.lines())


async def test_backfill_times_the_other_portals_responses(db_url: str) -> None:
    cfg = BackfillConfig(big=150, others=2, per_portal=1, window_s=30, speed=SPEED)
    result = await measure_backfill(cfg, db_url)
    assert len(result.latencies_s) == 2
    assert all(v > 0 for v in result.latencies_s)
    assert result.poll_s == 60.0
    assert 0 <= result.big_before <= result.big_after <= result.big + 2
    assert any("p99" in line for line in result.lines())


async def test_capacity_measures_requests_and_intervals(db_url: str) -> None:
    cfg = CapacityConfig(portals=2, vacancies=2, window_s=240, speed=SPEED)
    result = await measure_capacity(cfg, db_url)
    assert result.requests.get("vacancy list", 0) >= 2
    assert result.intervals_s  # each portal passed more than once in the window
    assert all(not math.isnan(v) and v > 0 for v in result.intervals_s)
    assert result.budget_per_min == 600.0  # 10 requests/s, in sandbox time
    assert any("effective interval" in line for line in result.lines())
