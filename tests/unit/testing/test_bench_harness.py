"""The benchmarks' harness: how requests are told apart in the hh.ru log, nearest-rank
percentiles, and settings scaled to the sandboxes' speed."""

from __future__ import annotations

import math

import pytest

from hhsync.testing.bench import (
    base_settings,
    by_kind,
    percentile,
    ratio_line,
    request_kind,
    sandbox_period_s,
    scaled,
)
from hhsync.testing.bench_changes import PER_LISTING, SPREAD_STATES, listing_plan


def test_request_kinds_follow_the_hh_api_paths() -> None:
    assert request_kind("/employers/1455/vacancies/active") == "vacancy list"
    assert request_kind("/employers/1455/vacancies/archived") == "vacancy list"
    assert request_kind("/negotiations") == "collections"
    assert request_kind("/negotiations/response") == "listing"
    assert request_kind("/negotiations/1400000001") == "negotiation"
    assert request_kind("/negotiations/1400000001/messages") == "messages"
    assert request_kind("/resumes/abc") == "resume"
    assert request_kind("/me") == "other"
    log = [{"path": "/negotiations"}, {"path": "/negotiations/consider"}, {"path": "/negotiations"}]
    assert by_kind(log) == {"collections": 2, "listing": 1}


def test_percentiles_are_nearest_rank_and_keep_the_unseen() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([3.0, math.inf], 99) == math.inf
    assert math.isnan(percentile([], 50))
    assert "not seen" in ratio_line("x", math.inf, 300, " s")
    assert "ratio 0.50" in ratio_line("x", 150, 300, " s")


def test_scaled_settings_keep_every_ratio() -> None:
    settings = base_settings("http://127.0.0.1:1", "postgresql+psycopg://x/y", "k" * 44)
    fast = scaled(settings, 10.0, passes=3)
    assert fast.hh.requests_per_s == settings.hh.requests_per_s * 10
    assert fast.bitrix.requests_per_s == settings.bitrix.requests_per_s * 10
    assert fast.sync.poll_interval_s == settings.sync.poll_interval_s / 10
    assert sandbox_period_s(fast, "poll_interval_s", 10.0) == settings.sync.poll_interval_s
    assert sandbox_period_s(fast, "no_such_period_s", 10.0) is None
    assert fast.sync.max_concurrent_passes == 3


def test_a_big_vacancy_is_spread_over_listings_within_the_depth() -> None:
    assert listing_plan(60, spread=False) == [("response", 60)]
    assert listing_plan(0, spread=True) == []
    plan = listing_plan(5000, spread=True)
    assert sum(n for _, n in plan) == 5000
    assert all(n <= PER_LISTING < 2000 for _, n in plan)
    assert [state for state, _ in plan] == ["response", "discard_no_interaction", "consider"]
    with pytest.raises(ValueError, match="do not fit"):
        listing_plan(len(SPREAD_STATES) * PER_LISTING + 1, spread=True)
