"""How many creates go in one Bitrix24 ``batch``: at most 16, and at most so many bytes.

A create carries its resume PDF in ``fileData`` as Base64, a third bigger than the file, and a
batch sends each command as a query string, so a real resume of a few hundred kilobytes weighs
about half a megabyte in the request. Bitrix24 Cloud takes POST bodies up to 2 GB, a self-hosted
portal only what its server allows, and a request must end within 60 s either way
(b24restdocs ``api-reference/files/how-to-upload-files.md``, "Limitations When Working with
Files"). A batch is therefore cut by its estimated body size too; a create bigger than the bound
on its own still goes, alone. Pure: sizes come from :mod:`hhsync.bitrix.batch`'s own encoding.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, TypeVar

from hhsync.bitrix.batch import encode_query

COMMAND_OVERHEAD_BYTES: Final = 512
"""Method names, keys, ``$result`` references and JSON quoting around one create's commands."""

DEFAULT_MAX_BATCH_BYTES: Final = 16 * 1024 * 1024
"""Far below the cloud's 2 GB, and small enough to upload well within the 60 s cut-off."""

_Item = TypeVar("_Item")


def create_bytes(
    fields: Mapping[str, Any],
    layout: Mapping[str, Any],
    contact_fields: Mapping[str, Any] | None,
) -> int:
    """The bytes one create adds to a batch body: entity (with its PDF), activity, contact."""
    size = len(encode_query({"fields": dict(fields)})) + len(encode_query({"layout": dict(layout)}))
    if contact_fields is not None:
        size += len(encode_query({"fields": dict(contact_fields)}))
    return size + COMMAND_OVERHEAD_BYTES


def split_by_bytes(
    items: Sequence[_Item], size_of: Callable[[_Item], int], max_bytes: int, max_items: int
) -> list[list[_Item]]:
    """``items`` in order, in groups of at most ``max_items`` and ``max_bytes`` (an item bigger
    than ``max_bytes`` forms a group of its own)."""
    if max_bytes < 1 or max_items < 1:
        raise ValueError("max_bytes and max_items must be positive")
    groups: list[list[_Item]] = []
    current: list[_Item] = []
    current_bytes = 0
    for item in items:
        size = size_of(item)
        if current and (current_bytes + size > max_bytes or len(current) >= max_items):
            groups.append(current)
            current, current_bytes = [], 0
        current.append(item)
        current_bytes += size
    if current:
        groups.append(current)
    return groups
