"""How commands print: one JSON document with ``--json``, a table for a person, lines for scripts.

Standard output carries only this; log lines and progress bars go to standard error.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def emit_json(data: object) -> None:
    """The command's whole output as one JSON document (instants and enums as strings)."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    """A rich table on a terminal, tab-separated lines otherwise (for grep and cut)."""
    if sys.stdout.isatty():
        shown = Table(title=title)
        for column in columns:
            shown.add_column(column)
        for row in rows:
            shown.add_row(*row)
        Console().print(shown)
        return
    typer.echo("\t".join(columns))
    for row in rows:
        typer.echo("\t".join(row))


def when(value: datetime | None) -> str:
    """An instant to the second, or ``-`` for never."""
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else "-"
