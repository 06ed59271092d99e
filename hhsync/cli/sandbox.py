"""``hhsync sandbox``: serve the strict hh.ru and Bitrix24 sandboxes for hands-on testing."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from hhsync.cli.command import EXIT_CONFIG, fail, read_settings
from hhsync.sandbox.serve import SandboxOptions, Which, serve_forever, servers


def sandbox(
    which: Annotated[str, typer.Argument(help="hh, bitrix or all.")] = "all",
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    hh_port: Annotated[int, typer.Option(help="Port of the hh.ru sandbox.")] = 8701,
    bitrix_port: Annotated[int, typer.Option(help="Port of the Bitrix24 sandbox.")] = 8702,
    seed: Annotated[int, typer.Option(help="Seed of the generated data.")] = 1,
    speed: Annotated[
        float, typer.Option(help="Time scale: every rate and expiry runs this much faster.")
    ] = 1.0,
) -> None:
    """Serve the strict hh.ru and/or Bitrix24 sandboxes over HTTP until Ctrl-C."""
    settings = read_settings()
    try:
        chosen = Which(which)
    except ValueError:
        fail(f"sandbox: unknown {which!r}; choose hh, bitrix or all", EXIT_CONFIG)
    if speed <= 0:
        fail("sandbox: --speed must be positive", EXIT_CONFIG)
    public_url = str(settings.web.public_url).rstrip("/")
    options = SandboxOptions(
        host=host,
        hh_port=hh_port,
        bitrix_port=bitrix_port,
        seed=seed,
        speed=speed,
        app_url=f"{public_url}/b24/app",
        hh_redirect_uri=f"{public_url}/oauth/hh/callback",
    )
    running = servers(chosen, options)
    for url, _ in running:
        typer.echo(url)
    try:
        asyncio.run(serve_forever(running))
    except KeyboardInterrupt:
        typer.echo("sandboxes stopped")
