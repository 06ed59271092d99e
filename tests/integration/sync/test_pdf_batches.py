"""Resume PDFs of a realistic size still fit Bitrix24's request bounds: create batches are cut by
body size (b24restdocs api-reference/files/how-to-upload-files.md, "Limitations When Working
with Files": Base64 is a third bigger than the file; a POST body is bounded by the server)."""

from __future__ import annotations

import httpx

from hhsync.db.tables import RunStatus
from hhsync.sync.context import SyncContext
from hhsync.sync.engine import run_pass
from hhsync.testing.world import World

PDF_BYTES = 300_000
MAX_BATCH_BYTES = 1024 * 1024  # two 300 KB PDFs (Base64, escaped) fit, three do not


async def test_heavy_pdfs_split_create_batches_by_body_size(world: World) -> None:
    world.hh_admin("POST", "/_sandbox/limits", resume_pdf_bytes=PDF_BYTES)
    base = world.ctx.settings
    settings = base.model_copy(
        update={"bitrix": base.bitrix.model_copy(update={"max_batch_bytes": MAX_BATCH_BYTES})}
    )
    ctx = SyncContext.create(
        settings, world.ctx.database, world.ctx.cipher, clock=world.clock, instance_id="pdf"
    )
    bodies: list[int] = []

    async def measure(request: httpx.Request) -> None:
        if "/rest/batch" in request.url.path and b"crm.lead.add" in request.content:
            bodies.append(len(request.content))

    ctx.bitrix_http.event_hooks["request"].append(measure)
    try:
        report = await run_pass(ctx, world.portal_id)
    finally:
        await ctx.aclose()
    expected = world.hh_negotiations()
    assert report.status == RunStatus.OK, report.errors
    assert report.writes.created == expected
    assert max(bodies) <= MAX_BATCH_BYTES
    assert len(bodies) >= expected // 2  # 16 a batch by count alone would have been 2 batches
    files = world.entities("file")
    assert files
    assert all(f["size"] >= PDF_BYTES * 0.95 for f in files)
