"""Errors classified by what the caller must do next, not by where they came from.

The markers follow the sync's needs: ``Retriable`` (try again later, maybe after ``retry_after_s``),
``NeedsReauth`` (stop polling this account or portal until a person logs in again), ``Skippable``
(this one record cannot be synced now; keep it and go on), ``Fatal`` (retrying the same thing will
not help: a bug, a broken setup, or a request that cannot apply). Every error hhsync raises on
purpose sits under :class:`HhsyncError`, most of them under one of the four markers
(tests/unit/test_error_tree.py walks the package to keep it so).
"""

from __future__ import annotations

from collections.abc import Sequence


class HhsyncError(Exception):
    """Root of every error hhsync raises on purpose."""


class Retriable(HhsyncError):
    """A passing failure: the same call may succeed later."""

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class NeedsReauth(HhsyncError):
    """Credentials were revoked or cannot be refreshed: a person has to authorise again."""


class Skippable(HhsyncError):
    """One record cannot be processed now; it is kept with this reason and retried later."""


class Fatal(HhsyncError):
    """Retrying the same call will not help: a broken setup, a bug, or a request that cannot
    apply (an unknown portal, a pass that may no longer write)."""


class ConfigError(Fatal):
    """The configuration is wrong; ``problems`` names each wrong or missing key."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))

    def __str__(self) -> str:
        return "configuration error: " + "; ".join(self.problems)


class DatabaseError(HhsyncError):
    """The database refused or could not be reached; the message says which and how to fix it."""


class TokenDecryptError(Fatal):
    """A stored token cannot be decrypted with the configured key(s)."""


def first_of_group(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The error a task group's caller should handle: a revoked login before anything else.

    ``asyncio.TaskGroup`` wraps what its tasks raised; the pass decides by the error's class (park
    the account, record the failure), so it needs the one that matters, not the group.
    """
    leaves: list[BaseException] = []

    def collect(error: BaseException) -> None:
        if isinstance(error, BaseExceptionGroup):
            for inner in error.exceptions:
                collect(inner)
        else:
            leaves.append(error)

    collect(group)
    for wanted in (NeedsReauth, Exception):
        for leaf in leaves:
            if isinstance(leaf, wanted):
                return leaf
    return leaves[0] if leaves else group
