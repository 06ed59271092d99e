"""The sync as a whole: a Hypothesis state machine over both sandboxes and real PostgreSQL.

Each example gets fresh hh.ru and Bitrix24 sandboxes (behind the same two served addresses), the
test's PostgreSQL database emptied, and a newly linked portal. Rules change hh.ru (new responses,
invitations, employer-state moves, a revoked login and its re-link), the portal (a field made
required and relaxed, a 500 after the write), the process (a crash after a batch, before the
outcome is recorded), time, and run passes. After every step the invariants of ``sync_oracle``
must hold: one entity per negotiation, one activity once synced, nothing lost, the database agrees
with the CRM. ``settle`` (also run at the end of every example) clears the faults, lets time pass
and checks that hh.ru, the database and the CRM end up saying the same thing.

What it found is pinned in ``test_status_follows.py``; until the engine is fixed, the rules steer
clear of the first finding and the invariants tolerate the second (see the notes there).
``HHSYNC_MACHINE_EXAMPLES=200`` runs a longer hunt.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Awaitable, Callable, Coroutine, Iterator, MutableMapping
from contextlib import ExitStack
from datetime import timedelta
from typing import Any, ClassVar, TypeVar

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlmodel import SQLModel

from hhsync.clock import ShiftedClock
from hhsync.config import Settings
from hhsync.db import accounts, state
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import SyncStatus
from hhsync.db.tokens import TokenPair
from hhsync.sandbox.bitrix.app import BitrixSandboxConfig
from hhsync.sandbox.bitrix.app import create_app as create_bitrix
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.sandbox.hh.app import create_app as create_hh
from hhsync.sandbox.hh.store import EMPLOYER_STATES
from hhsync.sync.context import SyncContext
from hhsync.sync.engine import PassReport, run_pass
from hhsync.testing.portal import SandboxPortal, install_sandbox_portal
from hhsync.testing.server import serve
from hhsync.testing.settings import engine_settings
from hhsync.testing.world import World
from tests.integration.sync import sync_oracle as oracle

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

T = TypeVar("T")
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

HH_WORLD = HhSandboxConfig(
    seed=5,
    employers=1,
    managers_per_employer=1,
    vacancies_per_employer=2,
    archived_vacancies_per_employer=0,
    applicants=30,
    negotiations_per_vacancy=3,
    rate_limit_per_s=0,
)
DOMAIN = "hr.bitrix24.ru"
# Longer than any request of a crashed pass may still be running: a row it left in flight may
# then be looked up and adopted.
IN_FLIGHT_HOLD_S = 1800.0
REQUIRED_FIELD = "POST"  # a lead field hhsync never fills
INVITATION_STAGE = "IN_PROCESS"  # where simple mode puts invitations (sandbox_portal's stage map)
WRITE_METHODS = ("crm.lead.add", "crm.lead.update", "crm.activity.configurable.add")
EXAMPLES = int(os.environ.get("HHSYNC_MACHINE_EXAMPLES", "15"))


class SimulatedCrash(BaseException):
    """The process dies right after Bitrix24 answered a batch, before the outcome is committed."""


class AppSlot:
    """One served address whose ASGI app is swapped per example: fresh sandboxes, no restart."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def fast_settings(hh_url: str, db_url: str) -> Settings:
    """The integration tests' settings with hh.ru's budget at its ceiling: the sandbox has no
    rate limit here, and a pass should not wait for a budget it cannot exceed."""
    base = engine_settings(hh_url, db_url)
    return base.model_copy(update={"hh": base.hh.model_copy(update={"requests_per_s": 1000})})


def marks_failure(step: Callable[..., None]) -> Callable[..., None]:
    """A step that raises marks its example, so tear-down does not hide the failure behind its
    own settle (Hypothesis tears down in a ``finally``)."""

    @functools.wraps(step)
    def wrapper(machine: SyncMachine, *args: Any, **kwargs: Any) -> None:
        machine.step_failed = True
        step(machine, *args, **kwargs)
        machine.step_failed = False

    return wrapper


class SyncMachine(RuleBasedStateMachine):
    """Both sandboxes, the database and the engine, driven by rules; see the module docstring."""

    db_url: ClassVar[str]
    hh_slot: ClassVar[AppSlot]
    bitrix_slot: ClassVar[AppSlot]
    hh_url: ClassVar[str]
    bitrix_url: ClassVar[str]

    def __init__(self) -> None:
        super().__init__()
        self.step_failed = False
        self.required: set[str | None] = set()
        self.revoked = False
        self.must_be_stored: set[str] = set()
        self.cleanup = ExitStack()
        try:
            self._provision()
        except BaseException:
            self.cleanup.close()
            raise

    # --- set-up and tear-down ---------------------------------------------------------------

    def _provision(self) -> None:
        self.hh_app = create_hh(HH_WORLD)
        self.hh_slot.app = self.hh_app
        self.bitrix_slot.app = create_bitrix(
            BitrixSandboxConfig(seed=7, speed=50.0, demo_portals=())
        )
        self.loop = asyncio.Runner()
        self.cleanup.callback(self.loop.close)
        self.database = Database(self.db_url, pool_size=4)
        self.cleanup.callback(lambda: self.run(self.database.dispose()))
        self.run(self._empty_tables())
        self.cipher = TokenCipher(TokenCipher.generate_key())
        self.clock = ShiftedClock()
        self.portal = self.run(self._install())
        hh = self.cleanup.enter_context(
            httpx.Client(base_url=self.hh_url, headers={"User-Agent": "hhsync-tests"}, timeout=30)
        )
        bitrix = self.cleanup.enter_context(httpx.Client(base_url=self.bitrix_url, timeout=30))
        ctx = SyncContext.create(
            fast_settings(self.hh_url, self.db_url),
            self.database,
            self.cipher,
            clock=self.clock,
            instance_id="machine",
        )
        self.cleanup.callback(lambda: self.run(ctx.aclose()))
        self.world = World(
            self.hh_url,
            self.bitrix_url,
            hh,
            bitrix,
            self.portal.domain,
            self.portal.portal_id,
            self.portal.account_id,
            self.portal.employer_id,
            ctx,
            self.clock,
        )
        self.sync = ctx.settings.sync

    async def _empty_tables(self) -> None:
        """Every example starts from an empty schema (much cheaper than a database each)."""
        async with self.database.session() as session:
            for table in reversed(SQLModel.metadata.sorted_tables):
                await session.exec(table.delete())

    async def _install(self) -> SandboxPortal:
        async with httpx.AsyncClient(headers={"User-Agent": "hhsync-tests"}, timeout=30) as http:
            return await install_sandbox_portal(
                http,
                self.hh_url,
                self.bitrix_url,
                self.database,
                self.cipher,
                domain=DOMAIN,
                responsible_user_id=1,
                clock=self.clock,
            )

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run engine code on this example's event loop (the database pool lives on it)."""
        return self.loop.run(coroutine)

    def teardown(self) -> None:
        try:
            if not self.step_failed:
                self._settle()
        finally:
            self.cleanup.close()

    # --- what the sides show ----------------------------------------------------------------

    def hh_states(self) -> dict[str, str]:
        """hh.ru's negotiations of the employer's active vacancies (read while nothing runs)."""
        store = self.hh_app.state.sandbox.store
        return {
            n.id: n.employer_state
            for n in store.negotiations.values()
            if not store.vacancies[n.vacancy_id].archived
            and store.vacancies[n.vacancy_id].employer_id == self.portal.employer_id
        }

    def vacancy_ids(self) -> list[str]:
        store = self.hh_app.state.sandbox.store
        return sorted(
            (v.id for v in store.vacancies.values() if v.employer_id == self.portal.employer_id),
            key=int,
        )

    def observe(self) -> oracle.Observed:
        async def stored() -> dict[str, oracle.Row]:
            async with self.database.session() as session:
                rows = await state.list_negotiations(session, self.portal.portal_id)
            return {row.hh_negotiation_id: oracle.Row.of(row) for row in rows}

        return oracle.Observed(
            self.run(stored()),
            self.world.entities("lead"),
            self.world.entities("activity"),
            self.hh_states(),
        )

    # --- rules: hh.ru -----------------------------------------------------------------------

    @rule(vacancy=st.integers(0, HH_WORLD.vacancies_per_employer - 1))
    @marks_failure
    def new_response(self, vacancy: int) -> None:
        """An applicant responds (a new applicant, so a new resume)."""
        self.world.hh_admin(
            "POST", "/_sandbox/negotiations", vacancy_id=self.vacancy_ids()[vacancy]
        )

    @rule(vacancy=st.integers(0, HH_WORLD.vacancies_per_employer - 1))
    @marks_failure
    def employer_invites(self, vacancy: int) -> None:
        """The employer invites an applicant."""
        self.world.hh_admin(
            "POST",
            "/_sandbox/negotiations",
            vacancy_id=self.vacancy_ids()[vacancy],
            kind="invitation",
        )

    @rule(data=st.data(), employer_state=st.sampled_from(sorted(EMPLOYER_STATES)))
    @marks_failure
    def employer_moves(self, data: st.DataObject, employer_state: str) -> None:
        """The employer moves a negotiation to another state on the website (also one whose
        create is waiting to be looked up: test_status_follows.py)."""
        seen = self.observe()
        movable = sorted(seen.hh_states, key=int)
        if not movable:
            return
        hh_id = data.draw(st.sampled_from(movable), label="negotiation")
        self.world.hh_admin(
            "POST", f"/_sandbox/negotiations/{hh_id}/state", employer_state=employer_state
        )

    @rule()
    @marks_failure
    def hh_login_revoked(self) -> None:
        """The employer changed the hh.ru password: every token of the account dies."""
        self.world.hh_admin(
            "POST", f"/_sandbox/employers/{self.portal.employer_id}/password_changed"
        )
        self.revoked = True

    @precondition(lambda self: self.revoked)
    @rule()
    @marks_failure
    def hh_account_relinked(self) -> None:
        """The HR admin logs in to hh.ru again from the settings page."""
        self.run(self._relink())
        self.revoked = False

    async def _relink(self) -> None:
        tokens = self.world.hh_admin("POST", "/_sandbox/tokens", manager_id=self.portal.manager_id)
        now = self.clock.now()
        link = accounts.AccountLink(
            self.portal.employer_id,
            self.portal.manager_id,
            "",
            "",
            True,
            TokenPair(
                tokens["access_token"],
                tokens["refresh_token"],
                now + timedelta(seconds=tokens["expires_in"]),
            ),
        )
        async with self.database.session() as session:
            await accounts.link_account(session, self.cipher, self.portal.portal_id, link, now)

    # --- rules: the portal ------------------------------------------------------------------

    @rule(stage=st.sampled_from([None, INVITATION_STAGE]))
    @marks_failure
    def field_made_required(self, stage: str | None) -> None:
        """An admin makes a field mandatory (on every lead, or in the invitations' stage): the
        portal refuses creates, and updates of leads without it."""
        body: dict[str, Any] = {"entity": "lead", "field": REQUIRED_FIELD}
        if stage is not None:
            body["stage"] = stage
        self.world.bitrix_admin("POST", f"/_sandbox/portals/{self.portal.domain}/required", **body)
        self.required.add(stage)

    @precondition(lambda self: bool(self.required))
    @rule()
    @marks_failure
    def field_relaxed(self) -> None:
        """The admin makes the field optional again."""
        self._relax()

    def _relax(self) -> None:
        for stage in sorted(self.required, key=str):
            body: dict[str, Any] = {"entity": "lead", "field": REQUIRED_FIELD}
            if stage is not None:
                body["stage"] = stage
            self.world.bitrix_admin(
                "DELETE", f"/_sandbox/portals/{self.portal.domain}/required", **body
            )
        self.required.clear()

    @rule(data=st.data())
    @marks_failure
    def activity_was_refused(self, data: st.DataObject) -> None:
        """A synced lead whose activity the portal had refused at create time: none on the lead,
        the row failed with the portal's reason, as the engine records it (the sandbox cannot
        refuse one command of a batch, so the refusal is replayed on both sides)."""
        seen = self.observe()
        synced = sorted(
            (
                r.hh_id
                for r in seen.rows.values()
                if r.activity_id and r.status == SyncStatus.SYNCED
            ),
            key=int,
        )
        if not synced:
            return
        hh_id = data.draw(st.sampled_from(synced), label="negotiation")
        tokens = self.world.bitrix_admin(
            "POST", f"/_sandbox/portals/{self.portal.domain}/tokens", user_id=1
        )
        deleted = self.world.bitrix.post(
            f"{tokens['client_endpoint']}crm.activity.delete.json",
            json={"auth": tokens["access_token"], "id": seen.rows[hh_id].activity_id},
        )
        assert deleted.status_code == 200, deleted.text
        self.run(self._record_refused_activity(hh_id))

    async def _record_refused_activity(self, hh_id: str) -> None:
        async with self.database.session() as session:
            row = await state.get_negotiation(session, self.portal.portal_id, hh_id)
            assert row is not None
            row.crm_activity_id = None
            row.sync_status = SyncStatus.FAILED
            row.last_error = "activity not added: crm.activity.configurable.add: refused"
            row.next_retry_at = self.clock.now()
            session.add(row)

    @rule(method=st.sampled_from(WRITE_METHODS))
    @marks_failure
    def error_after_write(self, method: str) -> None:
        """The next batch carrying ``method`` is executed, then answered with a 500."""
        self.world.bitrix_admin(
            "POST",
            f"/_sandbox/portals/{self.portal.domain}/faults",
            fault={"kind": "error_after_write", "status": 500, "path_contains": method},
        )

    # --- rules: the engine, the process and time --------------------------------------------

    @rule()
    @marks_failure
    def sync_pass(self) -> None:
        """One pass; once it has read hh.ru with a live login, everything hh.ru lists is stored."""
        self._pass()

    def _pass(self) -> None:
        listed = set(self.hh_states())
        report: PassReport = self.run(run_pass(self.world.ctx, self.portal.portal_id))
        if not self.revoked:
            assert not any("needs a new login" in e for e in report.errors), report.errors
            self.must_be_stored |= listed

    @rule(method=st.sampled_from([*WRITE_METHODS, "crm.activity.list"]))
    @marks_failure
    def crash_after_batch(self, method: str) -> None:
        """A pass dies right after the first batch carrying ``method`` was answered (if any)."""

        async def crash(response: httpx.Response) -> None:
            request = response.request
            if (
                "/rest/batch" in request.url.path
                and response.status_code == 200
                and method in request.content.decode()
            ):
                await response.aread()
                raise SimulatedCrash

        async def crashing_pass() -> None:
            hooks = self.world.ctx.bitrix_http.event_hooks["response"]
            hooks.append(crash)
            try:
                await run_pass(self.world.ctx, self.portal.portal_id)
            except SimulatedCrash:
                pass
            finally:
                hooks.remove(crash)

        self.run(crashing_pass())

    @rule(seconds=st.sampled_from(["in_flight_hold", "retry_max", "reconcile"]))
    @marks_failure
    def time_passes(self, seconds: str) -> None:
        """Time passes: an in-flight hold ends, failed retries come due, vacancies reconcile."""
        self.clock.advance(self._seconds(seconds))

    def _seconds(self, name: str) -> float:
        return {
            "in_flight_hold": IN_FLIGHT_HOLD_S,
            "retry_max": self.sync.retry_max_s,
            "reconcile": self.sync.reconcile_period_s,
        }[name]

    @rule()
    @marks_failure
    def settle(self) -> None:
        """Faults gone, login back, time passed: a few passes bring all three sides together."""
        self._settle()

    def _settle(self) -> None:
        self.world.bitrix_admin("DELETE", f"/_sandbox/portals/{self.portal.domain}/faults")
        self._relax()
        if self.revoked:
            self.run(self._relink())
            self.revoked = False
        problems: list[str] = []
        for _ in range(4):
            self.clock.advance(
                max(self.sync.retry_max_s, self.sync.reconcile_period_s) + IN_FLIGHT_HOLD_S
            )
            self._pass()
            problems = oracle.unsettled(self.observe())
            if not problems:
                break
        assert not problems, "\n".join(problems)

    # --- invariants -------------------------------------------------------------------------

    @invariant()
    @marks_failure
    def sides_agree(self) -> None:
        """The four invariants, after every step."""
        seen = self.observe()
        problems = [
            *oracle.duplicates(seen),
            *oracle.activity_problems(seen),
            *oracle.lost(seen, self.must_be_stored),
            *oracle.disagreements(seen),
        ]
        assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def served_slots() -> Iterator[tuple[AppSlot, AppSlot, str, str]]:
    """Two served addresses for the whole module; every example puts fresh sandboxes behind."""
    hh_slot = AppSlot(create_hh(HH_WORLD))
    bitrix_slot = AppSlot(create_bitrix(BitrixSandboxConfig(seed=7, demo_portals=())))
    with serve(hh_slot) as hh_url, serve(bitrix_slot) as bitrix_url:
        yield hh_slot, bitrix_slot, hh_url, bitrix_url


def test_the_sync_keeps_its_invariants_whatever_happens(
    served_slots: tuple[AppSlot, AppSlot, str, str], db_url: str
) -> None:
    hh_slot, bitrix_slot, hh_url, bitrix_url = served_slots
    machine = type(
        "SyncMachineHere",
        (SyncMachine,),
        {
            "db_url": db_url,
            "hh_slot": hh_slot,
            "bitrix_slot": bitrix_slot,
            "hh_url": hh_url,
            "bitrix_url": bitrix_url,
        },
    )
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=12,
            deadline=None,
            print_blob=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
