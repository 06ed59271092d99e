"""The wait that makes a request take its method time on the sandbox clock.

Bitrix24 answers a request once its methods have run (the ``time`` block's ``duration``), so a
batch of 50 documented-speed creates takes minutes. The wait is in sandbox seconds, shrunk by the
time scale; it is skipped when a test drives sandbox time itself (``base_clock``).
"""

from __future__ import annotations

import asyncio

from hhsync.sandbox.bitrix.rest import BitrixSandbox, RestReply


async def take_method_time(sandbox: BitrixSandbox, reply: RestReply) -> None:
    """Sleep the reply's method time (at most the cut-off), scaled to wall seconds."""
    config = sandbox.config
    if not config.real_latency or config.base_clock is not None or reply.elapsed_s <= 0:
        return
    seconds = min(reply.elapsed_s, config.request_cutoff_s)
    await asyncio.sleep(sandbox.clock.real_seconds(seconds))
