"""Portal health: which pass verdicts change the state, and which changes are worth a log line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hhsync.db.tables import HealthState, PortalStatus, RunStatus
from hhsync.metrics import HEALTH_STATES
from hhsync.sync.health import (
    EVENT_FAILING,
    EVENT_PARKED,
    EVENT_RECOVERED,
    Health,
    PassResult,
    Verdict,
    judge,
    step,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
AT = T0 + timedelta(minutes=5)

UNKNOWN = Health()
OK = Health(HealthState.OK, T0)
FAILING = Health(HealthState.FAILING, T0, 2, "Bitrix24: server error")
PARKED = Health(HealthState.PARKED, T0, 0, "token rejected")


@pytest.mark.parametrize(
    ("before", "verdict", "after", "event"),
    [
        # a portal's first pass: its state, and a warning only if it failed
        (UNKNOWN, Verdict.OK, Health(HealthState.OK, AT), None),
        (UNKNOWN, Verdict.FAILED, Health(HealthState.FAILING, AT, 1, "now"), EVENT_FAILING),
        (UNKNOWN, Verdict.PARKED, Health(HealthState.PARKED, AT, 0, "now"), EVENT_PARKED),
        # ok → ok keeps its since; ok → failing warns once
        (OK, Verdict.OK, OK, None),
        (OK, Verdict.FAILED, Health(HealthState.FAILING, AT, 1, "now"), EVENT_FAILING),
        (OK, Verdict.PARKED, Health(HealthState.PARKED, AT, 0, "now"), EVENT_PARKED),
        # failing → failing: counted, newest reason kept, the streak's start kept, silent
        (FAILING, Verdict.FAILED, Health(HealthState.FAILING, T0, 3, "now"), None),
        (FAILING, Verdict.OK, Health(HealthState.OK, AT), EVENT_RECOVERED),
        (FAILING, Verdict.PARKED, Health(HealthState.PARKED, AT, 0, "now"), EVENT_PARKED),
        # parked: silent while parked; after a new authorisation either a recovery or a new streak
        (PARKED, Verdict.PARKED, PARKED, None),
        (PARKED, Verdict.OK, Health(HealthState.OK, AT), EVENT_RECOVERED),
        (PARKED, Verdict.FAILED, Health(HealthState.FAILING, AT, 1, "now"), EVENT_FAILING),
    ],
)
def test_transition_table(
    before: Health, verdict: Verdict, after: Health, event: str | None
) -> None:
    transition = step(before, PassResult(verdict, AT, "now"))
    assert transition.before == before
    assert transition.after == after
    assert transition.event == event


def test_a_streak_of_failures_then_a_good_pass_says_two_things() -> None:
    health, events = Health(), []
    verdicts = [Verdict.OK, *[Verdict.FAILED] * 5, Verdict.OK, Verdict.OK]
    for n, verdict in enumerate(verdicts):
        transition = step(health, PassResult(verdict, T0 + timedelta(minutes=n), f"r{n}"))
        health = transition.after
        if transition.event is not None:
            events.append((transition.event, transition.fields(T0 + timedelta(minutes=n))))
    assert events == [
        (EVENT_FAILING, {"reason": "r1"}),
        (
            EVENT_RECOVERED,
            {"was": "failing", "failing_passes": 5, "failing_s": 300.0, "last_reason": "r5"},
        ),
    ]
    assert health == Health(HealthState.OK, T0 + timedelta(minutes=6))


@pytest.mark.parametrize(
    ("status", "ran", "portal_status", "interrupted", "verdict"),
    [
        (RunStatus.OK, True, PortalStatus.ACTIVE, False, Verdict.OK),
        # record-level failures are kept for retry: the portal itself is fine
        (RunStatus.PARTIAL, True, PortalStatus.ACTIVE, False, Verdict.OK),
        (RunStatus.FAILED, True, PortalStatus.ACTIVE, False, Verdict.FAILED),
        # the pass that found Bitrix24's tokens dead, and a later one skipped for it
        (RunStatus.FAILED, True, PortalStatus.NEEDS_REAUTH, False, Verdict.PARKED),
        (RunStatus.OK, False, PortalStatus.NEEDS_REAUTH, False, Verdict.PARKED),
        # the pass that found the app gone from the portal (a missed uninstall event)
        (RunStatus.FAILED, True, PortalStatus.UNINSTALLED, False, Verdict.PARKED),
        # skipped before it started (paused, uninstalled, removed): says nothing
        (RunStatus.OK, False, PortalStatus.PAUSED, False, None),
        (RunStatus.OK, False, PortalStatus.UNINSTALLED, False, None),
        (RunStatus.OK, False, None, False, None),
        (RunStatus.RUNNING, True, PortalStatus.ACTIVE, False, None),
        # stopped early for a shutdown: a failure still counts, a good end proves nothing
        (RunStatus.OK, True, PortalStatus.ACTIVE, True, None),
        (RunStatus.FAILED, True, PortalStatus.ACTIVE, True, Verdict.FAILED),
    ],
)
def test_what_a_pass_says_about_its_portal(
    status: RunStatus,
    ran: bool,
    portal_status: str | None,
    interrupted: bool,
    verdict: Verdict | None,
) -> None:
    assert judge(status, ran=ran, portal_status=portal_status, interrupted=interrupted) == verdict


def test_failing_since_only_while_failing() -> None:
    assert FAILING.failing_since == T0
    assert OK.failing_since is None
    assert PARKED.failing_since is None


def test_parked_event_carries_the_reason_and_metrics_know_every_state() -> None:
    parked = step(OK, PassResult(Verdict.PARKED, AT, "token rejected"))
    assert parked.fields(AT) == {"reason": "token rejected"}
    assert step(OK, PassResult(Verdict.OK, AT)).fields(AT) == {}
    assert set(HEALTH_STATES) == {state.value for state in HealthState}
