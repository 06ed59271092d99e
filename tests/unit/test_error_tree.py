"""One error tree: every exception class hhsync defines sits under ``HhsyncError``.

Callers decide by marker (Retriable, NeedsReauth, Skippable, Fatal), so an error outside the tree
would slip past them. The walk imports every module of the package and looks at the exception
classes defined there. The sandboxes are left out: their errors are hh.ru's and Bitrix24's
answers, turned into HTTP responses by the stand-in servers and never raised into hhsync's code.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import hhsync
from hhsync.bitrix.paging import PagingError
from hhsync.db.leases import LeaseLost
from hhsync.errors import Fatal, HhsyncError, NeedsReauth, Retriable, Skippable
from hhsync.service.exclusive import PortalBusy
from hhsync.service.operator import NoSuchPortal, WrongStatus
from hhsync.sync.mapping import MappingError

NOT_WALKED = (
    "hhsync.__main__",  # importing it runs the command line
    "hhsync.sandbox",  # the stand-in servers (see the module docstring)
)


def defined_exceptions() -> list[type[BaseException]]:
    found: list[type[BaseException]] = []
    for module_info in pkgutil.walk_packages(hhsync.__path__, "hhsync."):
        name = module_info.name
        if any(name == skip or name.startswith(skip + ".") for skip in NOT_WALKED):
            continue
        module = importlib.import_module(name)
        found.extend(
            value
            for value in vars(module).values()
            if inspect.isclass(value)
            and issubclass(value, BaseException)
            and value.__module__ == name
        )
    return found


def test_every_exception_hhsync_defines_is_an_hhsync_error() -> None:
    found = defined_exceptions()
    assert LeaseLost in found  # the walk reaches into subpackages
    outside = sorted(
        f"{cls.__module__}.{cls.__qualname__}" for cls in found if not issubclass(cls, HhsyncError)
    )
    assert outside == []


def test_the_errors_raised_outside_hh_ru_and_bitrix24_carry_the_marker_of_what_to_do() -> None:
    markers = (Retriable, NeedsReauth, Skippable, Fatal)
    expected = {
        LeaseLost: Fatal,
        PortalBusy: Retriable,
        NoSuchPortal: Fatal,
        WrongStatus: Fatal,
        MappingError: Skippable,
        PagingError: Fatal,
    }
    actual = {cls: [m for m in markers if issubclass(cls, m)] for cls in expected}
    assert actual == {cls: [marker] for cls, marker in expected.items()}
