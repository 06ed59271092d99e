"""The fleet's hh.ru cost, one instance's budget, the stretch and the capacity (pure maths)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hhsync.model.capacity import (
    MORE_ADVICE,
    PortalLoad,
    capacity,
    change_reads,
    instance_budget_per_min,
    list_requests,
    portal_cost_per_min,
)

WATCH_S = 180.0

loads = st.builds(
    PortalLoad,
    portal_id=st.integers(1, 10_000),
    poll_interval_s=st.floats(5, 3600),
    account_vacancies=st.lists(st.integers(0, 500), min_size=1, max_size=4).map(tuple),
    recent_pass_requests=st.lists(st.integers(0, 20_000), max_size=10).map(tuple),
)


def test_a_portal_costs_its_list_pages_per_pass_and_a_watch_per_vacancy_per_period() -> None:
    # 120 vacancies: 3 pages of 50 and the archived list, every 60 s pass; 120 watches / 3 min.
    load = PortalLoad(1, 60.0, (120,))
    assert list_requests(120) == 4
    assert portal_cost_per_min(load, WATCH_S) == pytest.approx(4 + 120 * 60 / 180)


def test_change_reads_are_the_median_of_recent_passes_beyond_lists_and_watches() -> None:
    # Lists 2, watches 30 x 60/180 = 10 a pass: the median 20 leaves 8 change reads a pass; the
    # one 5,000-request import does not move the median.
    load = PortalLoad(1, 60.0, (30,), (20, 18, 5_000, 25, 20))
    assert change_reads(load, WATCH_S) == pytest.approx(20 - 2 - 10)
    assert portal_cost_per_min(load, WATCH_S) == pytest.approx(2 + 8 + 10)
    assert change_reads(PortalLoad(1, 60.0, (30,), (3, 3)), WATCH_S) == 0


def test_the_budget_keeps_headroom_below_the_rate() -> None:
    assert instance_budget_per_min(10.0) == pytest.approx(570.0)


def test_over_budget_the_stretch_brings_the_cost_back_to_the_budget_and_says_so() -> None:
    # 100 portals of 60 vacancies: (2 + 1) x 1 + 60/3 = 23/min each, 2,300/min for 570/min.
    fleet = [PortalLoad(n, 60.0, (60,)) for n in range(100)]
    measured = capacity(
        fleet, instances=1, requests_per_s=10.0, watch_period_s=WATCH_S, base_interval_s=60.0
    )
    assert measured.fleet_cost_per_min == pytest.approx(2300.0)
    assert measured.stretch == pytest.approx(2300 / 570)
    assert measured.effective_interval_s == pytest.approx(60 * 2300 / 570)
    assert measured.capacity_at_60s == 570 // 23
    assert measured.over_budget
    assert MORE_ADVICE in measured.sentence()
    assert "this instance can poll 24 portals at 60 s" in measured.sentence()
    # A second live instance takes half: still over; a third and fourth bring it within.
    two = capacity(
        fleet, instances=2, requests_per_s=10.0, watch_period_s=WATCH_S, base_interval_s=60.0
    )
    assert two.stretch == pytest.approx(1150 / 570)
    five = capacity(
        fleet, instances=5, requests_per_s=10.0, watch_period_s=WATCH_S, base_interval_s=60.0
    )
    assert five.stretch == 1.0
    assert not five.over_budget
    assert MORE_ADVICE not in five.sentence()


def test_an_empty_fleet_has_no_stretch_and_no_capacity_figure() -> None:
    measured = capacity(
        [], instances=1, requests_per_s=10.0, watch_period_s=WATCH_S, base_interval_s=60.0
    )
    assert measured.stretch == 1.0
    assert measured.capacity_at_60s is None
    assert "no portal to measure" in measured.sentence()


def test_at_least_this_instance_is_live() -> None:
    with pytest.raises(ValueError, match="at least"):
        capacity([], instances=0, requests_per_s=10.0, watch_period_s=WATCH_S, base_interval_s=60)


@given(
    fleet=st.lists(loads, max_size=30),
    instances=st.integers(1, 8),
    rate=st.floats(0.5, 100),
    watch=st.floats(10, 3600),
)
def test_the_stretched_fleet_fits_the_budget_and_no_stretch_is_wasted(
    fleet: list[PortalLoad], instances: int, rate: float, watch: float
) -> None:
    measured = capacity(
        fleet, instances=instances, requests_per_s=rate, watch_period_s=watch, base_interval_s=60
    )
    assert measured.stretch >= 1.0
    # Every interval and watch period stretched alike: each portal's cost divides by the factor.
    stretched = sum(
        portal_cost_per_min(
            PortalLoad(
                load.portal_id,
                load.poll_interval_s * measured.stretch,
                load.account_vacancies,
                load.recent_pass_requests,
            ),
            watch * measured.stretch,
        )
        for load in fleet
    )
    assert stretched / instances <= measured.budget_per_min * (1 + 1e-9)
    if measured.over_budget:  # stretched no further than needed
        assert stretched / instances == pytest.approx(measured.budget_per_min)


@given(fleet=st.lists(loads, min_size=1, max_size=30), more=loads)
def test_a_bigger_fleet_never_stretches_less(fleet: list[PortalLoad], more: PortalLoad) -> None:
    def stretch(portals: list[PortalLoad]) -> float:
        return capacity(
            portals, instances=1, requests_per_s=10, watch_period_s=WATCH_S, base_interval_s=60
        ).stretch

    assert stretch([*fleet, more]) >= stretch(fleet)


@given(fleet=st.lists(loads, min_size=1, max_size=30))
def test_the_capacity_of_portals_like_these_fits_the_budget(fleet: list[PortalLoad]) -> None:
    measured = capacity(
        fleet, instances=1, requests_per_s=10, watch_period_s=WATCH_S, base_interval_s=60
    )
    assert measured.capacity_at_60s is not None
    mean = sum(portal_cost_per_min(f, WATCH_S, 60.0) for f in fleet) / len(fleet)
    assert measured.capacity_at_60s * mean <= measured.budget_per_min * (1 + 1e-9)
    assert (measured.capacity_at_60s + 1) * mean > measured.budget_per_min
    assert math.isfinite(measured.stretch)
