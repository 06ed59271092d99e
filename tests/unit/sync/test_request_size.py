"""Create batches are cut by body size too: resume PDFs travel inside them as Base64 (b24restdocs
api-reference/files/how-to-upload-files.md: Base64 is a third bigger; POST bodies are bounded)."""

from __future__ import annotations

import base64

import pytest

from hhsync.sync.apply.request_size import COMMAND_OVERHEAD_BYTES, create_bytes, split_by_bytes


def test_groups_respect_bytes_and_count_and_keep_order() -> None:
    sizes = [400, 400, 400, 100, 100, 100, 100, 2000, 50]
    groups = split_by_bytes(list(range(len(sizes))), lambda i: sizes[i], 1000, max_items=3)
    assert groups == [[0, 1], [2, 3, 4], [5, 6], [7], [8]]
    for group in groups:
        assert len(group) <= 3
        assert sum(sizes[i] for i in group) <= 1000 or len(group) == 1


def test_bounds_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        split_by_bytes([1], lambda _: 1, 0, max_items=1)


def test_a_create_weighs_its_pdf_as_encoded_base64_and_its_text() -> None:
    pdf = bytes(range(256)) * 1200  # 300 KB
    encoded = base64.b64encode(pdf).decode("ascii")
    fields = {
        "TITLE": "Бухгалтер — Иванов Иван",
        "UF_CRM_HH_RESUME": {"fileData": ["cv.pdf", encoded]},
    }
    size = create_bytes(fields, {"body": {"title": "Отклик"}}, None)
    assert size > len(encoded) > len(pdf)  # a third bigger, plus the query's escapes
    assert size < 1.2 * len(encoded) + COMMAND_OVERHEAD_BYTES + 1024
    with_contact = create_bytes(fields, {"body": {"title": "Отклик"}}, {"NAME": "Иван"})
    assert with_contact > size
