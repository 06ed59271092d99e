"""Per-test PostgreSQL databases made ahead of the tests and dropped behind them.

Every database test gets a database of its own cloned from the migrated template, so tests never
see each other's rows. Cloning and dropping are slow on a busy server (PostgreSQL 15's
``DROP DATABASE`` forces an immediate checkpoint and waits for it; a clone copies the template's
blocks), and none of it is the test's work. So a background thread keeps a few clones ready and
others drop the databases tests are done with while the next tests run: each test still gets a
fresh clone and nothing is reused, only the waiting leaves the tests' path.
"""

from __future__ import annotations

import queue
import threading
import uuid
from collections.abc import Callable

import psycopg
from psycopg import sql

CLONES_AHEAD = 2
"""Clones kept ready: a clone takes a fraction of the shortest database test."""

DROPPERS = 2
"""Threads dropping finished databases; checkpoints requested together are shared, so two keep
up where one would fall behind."""

TAKE_LIMIT_S = 120.0
"""Bound on the wait for a clone (the server or the cloner is broken past it)."""


def new_name() -> str:
    """A database name no other test (or concurrent test run) uses."""
    return f"hhsync_t_{uuid.uuid4().hex[:12]}"


class DatabasePool:
    """Clones of ``template`` ready to take, and a queue of databases to drop.

    ``connect`` opens an autocommit admin connection (CREATE/DROP DATABASE run outside any
    transaction); each thread holds its own.
    """

    def __init__(self, template: str, connect: Callable[[], psycopg.Connection[object]]) -> None:
        self._template = template
        self._connect = connect
        self._ready: queue.Queue[str] = queue.Queue(maxsize=CLONES_AHEAD)
        self._doomed: queue.Queue[str | None] = queue.Queue()
        self._closing = threading.Event()
        self._errors: list[BaseException] = []
        self._threads = [threading.Thread(target=self._clone_ahead, name="db-cloner", daemon=True)]
        self._threads += [
            threading.Thread(target=self._drop_behind, name=f"db-dropper-{i}", daemon=True)
            for i in range(DROPPERS)
        ]
        for thread in self._threads:
            thread.start()

    def take(self) -> str:
        """A fresh clone of the template, for one test only."""
        waited = 0.0
        while True:
            self._raise_failure()
            try:
                return self._ready.get(timeout=0.5)
            except queue.Empty:
                waited += 0.5
                if waited >= TAKE_LIMIT_S:
                    raise RuntimeError("no database clone within the limit") from None

    def drop_later(self, name: str) -> None:
        """Have ``name`` dropped (closing its stray connections) while the next tests run."""
        self._doomed.put(name)

    def close(self) -> None:
        """Stop cloning, drop the unused clones and wait for every drop to finish."""
        self._closing.set()
        self._threads[0].join()
        while True:
            try:
                self._doomed.put(self._ready.get_nowait())
            except queue.Empty:
                break
        for _ in range(DROPPERS):
            self._doomed.put(None)
        for thread in self._threads[1:]:
            thread.join()
        self._raise_failure()

    def _raise_failure(self) -> None:
        if self._errors:
            raise RuntimeError(f"test database pool failed: {self._errors[0]!r}") from self._errors[
                0
            ]

    def _clone_ahead(self) -> None:
        try:
            with self._connect() as conn:
                while not self._closing.is_set():
                    name = new_name()
                    conn.execute(
                        sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                            sql.Identifier(name), sql.Identifier(self._template)
                        )
                    )
                    while True:
                        try:
                            self._ready.put(name, timeout=0.2)
                            break
                        except queue.Full:
                            if self._closing.is_set():
                                self._doomed.put(name)
                                return
        except BaseException as exc:  # noqa: BLE001 - handed to the test that takes next
            self._errors.append(exc)

    def _drop_behind(self) -> None:
        try:
            with self._connect() as conn:
                while (name := self._doomed.get()) is not None:
                    conn.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                            sql.Identifier(name)
                        )
                    )
        except BaseException as exc:  # noqa: BLE001 - reported when the pool closes
            self._errors.append(exc)
