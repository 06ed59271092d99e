"""Server-rendered pages: one Jinja2 environment over the package's templates, autoescaped.

Everything a page shows may come from hh.ru or a portal (applicant names, account names) and is
hostile input; autoescaping is on for every template, and nothing is marked safe by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from hhsync import texts


@cache
def environment() -> Environment:
    """The shared environment (templates load once per process)."""
    env = Environment(
        loader=PackageLoader("hhsync.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["texts"] = texts
    env.filters["instant"] = instant_text
    return env


def instant_text(iso: str | None) -> str:
    """An ISO instant as a person reads it before the page's script shows it in their own zone:
    ``01.12.2026 12:52 UTC``; empty for none or an unreadable value."""
    if not iso:
        return ""
    try:
        when = datetime.fromisoformat(iso).astimezone(UTC)
    except ValueError:
        return ""
    return when.strftime("%d.%m.%Y %H:%M UTC")


def render(
    name: str, status_code: int = 200, headers: dict[str, str] | None = None, **context: Any
) -> HTMLResponse:
    """The page ``name`` rendered with ``context``."""
    html = environment().get_template(name).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=headers)
