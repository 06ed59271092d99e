"""Run the sandboxes as real HTTP servers (``hhsync sandbox hh|bitrix|all``)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import StrEnum

import uvicorn
from starlette.applications import Starlette


class Which(StrEnum):
    """Which sandbox(es) to serve."""

    HH = "hh"
    BITRIX = "bitrix"
    ALL = "all"


@dataclass(frozen=True)
class SandboxOptions:
    """Where and how the sandboxes run."""

    host: str = "127.0.0.1"
    hh_port: int = 8701
    bitrix_port: int = 8702
    seed: int = 1
    speed: float = 1.0
    app_url: str = "http://127.0.0.1:8080/b24/app"
    """The hhsync handler the Bitrix24 sandbox's portal page opens in its iframe."""
    install_url: str | None = None
    """The installer the portal opens for an administrator until ``installFinish``; None = app."""
    hh_redirect_uri: str = "http://127.0.0.1:8080/oauth/hh/callback"
    """The redirect URI the hh.ru sandbox's demo app has registered: hhsync's OAuth callback."""
    resume_pdf_bytes: int | None = None
    """Size of a resume PDF; None: a realistic one (``REALISTIC_RESUME_PDF_BYTES``)."""
    hh_latency_s: float | None = None
    """hh.ru's round trip in sandbox seconds; None: a realistic one (``REALISTIC_ROUND_TRIP_S``)."""


def build_hh(options: SandboxOptions) -> Starlette:
    """The hh.ru sandbox app for these options."""
    from hhsync.sandbox.hh.app import HhSandboxConfig, create_app
    from hhsync.sandbox.hh.runtime import REALISTIC_RESUME_PDF_BYTES, REALISTIC_ROUND_TRIP_S

    pdf_bytes = options.resume_pdf_bytes
    latency_s = options.hh_latency_s
    return create_app(
        HhSandboxConfig(
            seed=options.seed,
            speed=options.speed,
            registered_redirect_uri=options.hh_redirect_uri,
            resume_pdf_bytes=REALISTIC_RESUME_PDF_BYTES if pdf_bytes is None else pdf_bytes,
            latency_s=REALISTIC_ROUND_TRIP_S if latency_s is None else latency_s,
        )
    )


def build_bitrix(options: SandboxOptions) -> Starlette:
    """The Bitrix24 sandbox app for these options."""
    from hhsync.sandbox.bitrix.app import BitrixSandboxConfig, create_app

    return create_app(
        BitrixSandboxConfig(
            seed=options.seed,
            speed=options.speed,
            app_url=options.app_url,
            install_url=options.install_url,
            real_latency=True,
        )
    )


def servers(which: Which, options: SandboxOptions) -> list[tuple[str, uvicorn.Server]]:
    """The uvicorn servers to run, each with the base URL it will answer on."""
    chosen: list[tuple[str, Starlette, int]] = []
    if which in (Which.HH, Which.ALL):
        chosen.append(("hh.ru", build_hh(options), options.hh_port))
    if which in (Which.BITRIX, Which.ALL):
        chosen.append(("Bitrix24", build_bitrix(options), options.bitrix_port))
    result = []
    for name, app, port in chosen:
        config = uvicorn.Config(
            app, host=options.host, port=port, log_level="warning", access_log=False
        )
        result.append((f"{name} sandbox: http://{options.host}:{port}", uvicorn.Server(config)))
    return result


async def serve_forever(running: list[tuple[str, uvicorn.Server]]) -> None:
    """Serve until interrupted; all servers stop together."""
    await asyncio.gather(*(server.serve() for _, server in running))
