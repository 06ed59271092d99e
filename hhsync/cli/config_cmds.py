"""``hhsync config``: check the configuration, generate a token-encryption key."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from hhsync.cli.command import read_settings
from hhsync.cli.output import emit_json
from hhsync.config import masked
from hhsync.db.crypto import TokenCipher

app = typer.Typer(help="Configuration: check it, generate keys.", no_args_is_help=True)


@app.command("check")
def config_check(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON instead of TOML-like text.")
    ] = False,
) -> None:
    """Validate the configuration and print the effective values with secrets masked."""
    settings = read_settings()
    data = masked(settings)
    if as_json:
        emit_json(data)
        return
    for section, values in data.items():
        if isinstance(values, dict):
            typer.echo(f"[{section}]")
            for key, value in values.items():
                typer.echo(f"{key} = {json.dumps(value, ensure_ascii=False)}")
            typer.echo("")
        else:
            typer.echo(f"{section} = {json.dumps(values, ensure_ascii=False)}")
    store = "embedded SQLite (state_dir)" if settings.embedded_database else "PostgreSQL"
    typer.echo(f"# configuration OK; database: {store}")


@app.command("gen-key")
def config_gen_key() -> None:
    """Print a new token-encryption key for security.token_key."""
    typer.echo(TokenCipher.generate_key())
