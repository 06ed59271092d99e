"""Structured logging: configured once, JSON lines for machines, readable lines on a terminal.

Context (portal, account, vacancy, pass id) is bound through contextvars with :func:`bound`, so
every line inside a pass carries it without being passed around. Secrets never reach the output:
the redaction processor masks values under secret-looking keys, ``SecretStr`` values and bearer
tokens inside free text.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any, Final, TextIO

import structlog
from pydantic import SecretStr

from hhsync.config import LogFormat

REDACTED: Final = "[redacted]"

# Keys whose values are secrets wherever they appear (lower-cased; substring match for PARTS).
_SECRET_KEY_PARTS: Final = ("token", "secret", "password", "passwd", "authorization", "cookie")
_SECRET_KEYS: Final = frozenset({"auth", "auth_id", "refresh_id", "code", "key", "fernet_key"})
_BEARER: Final = re.compile(
    r"(?i)\b(bearer|token|auth|access_token|refresh_token)([=: ]+)[\w.\-~+/]{8,}"
)

# Stable event names used across modules (log search and alerts depend on them).
EVENT_CONFIG_LOADED: Final = "config.loaded"
EVENT_DB_MIGRATED: Final = "db.migrated"
EVENT_DB_EMBEDDED: Final = "db.embedded_sqlite"
EVENT_PASS_STARTED: Final = "sync.pass_started"  # noqa: S105 - an event name, not a password
EVENT_PASS_FINISHED: Final = "sync.pass_finished"  # noqa: S105 - an event name, not a password
EVENT_STATE_UNMAPPED: Final = "state.unmapped"


def _is_secret_key(key: str) -> bool:
    lowered = key.lower()
    return lowered in _SECRET_KEYS or any(part in lowered for part in _SECRET_KEY_PARTS)


def _redact_value(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return REDACTED
    if isinstance(value, str):
        return _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", value)
    if isinstance(value, Mapping):
        return {
            k: REDACTED if _is_secret_key(str(k)) else _redact_value(v) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact_value(v) for v in value]
    return value


def redact_secrets(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: mask secrets by key name, by type and inside free text."""
    for key in list(event_dict):
        if _is_secret_key(key):
            event_dict[key] = REDACTED
        else:
            event_dict[key] = _redact_value(event_dict[key])
    return event_dict


class _NamedPrintLogger(structlog.PrintLogger):
    """A print logger that keeps the name it was asked for, as stdlib loggers do."""

    def __init__(self, file: TextIO, name: str | None) -> None:
        super().__init__(file)
        self.name = name


class _NamedPrintLoggerFactory:
    """``get_logger(name)`` hands ``name`` to the factory: it rides on the logger, not the
    context, so naming a logger binds nothing (structlog reserves ``logger=`` for its own use)."""

    def __init__(self, file: TextIO) -> None:
        self._file = file

    def __call__(self, *args: Any) -> _NamedPrintLogger:
        return _NamedPrintLogger(self._file, str(args[0]) if args else None)


def _add_logger_name(
    logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: the ``logger`` field from the name given to :func:`get_logger`."""
    name = getattr(logger, "name", None)
    if name is not None:
        event_dict.setdefault("logger", name)
    return event_dict


def configure(
    level: str = "info", fmt: LogFormat = LogFormat.AUTO, stream: TextIO | None = None
) -> None:
    """Configure structlog (and the stdlib loggers of our libraries); a later call replaces it."""
    out = stream or sys.stderr
    use_console = fmt is LogFormat.CONSOLE or (fmt is LogFormat.AUTO and out.isatty())
    numeric_level = logging.getLevelName(level.upper())
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_secrets,
    ]
    renderer: Any
    if use_console:
        renderer = structlog.dev.ConsoleRenderer(colors=out.isatty())
    else:
        shared.append(structlog.processors.format_exc_info)
        renderer = structlog.processors.JSONRenderer(ensure_ascii=False)
    structlog.configure(
        processors=[_add_logger_name, *shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=_NamedPrintLoggerFactory(out),
        # Lazy loggers resolve the configuration on every call rather than caching the first:
        # the CLI configures once it has read the settings, and tests configure again.
        cache_logger_on_first_use=False,
    )
    # Library loggers (uvicorn, alembic, httpx) go through the same redaction and format.
    handler = logging.StreamHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric_level)
    # httpx logs full request URLs at INFO, and Bitrix24 URLs carry `auth=` tokens; alembic's
    # INFO lines are internals (we log our own db.migrated event); APScheduler logs every tick.
    for noisy in ("httpx", "httpcore", "alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(numeric_level, logging.WARNING))


def get_logger(name: str | None = None) -> structlog.typing.FilteringBoundLogger:
    """A lazy logger; ``name`` becomes the ``logger`` field.

    Safe at import time (``log = get_logger(__name__)``): structlog's proxy binds nothing until
    it logs, and then takes the configuration in force, so a module imported before
    :func:`configure` still writes where and how the settings say. ``.bind()`` on it binds at
    once, so call that where the line is logged, not at import.
    """
    logger: structlog.typing.FilteringBoundLogger = (
        structlog.get_logger(name) if name else structlog.get_logger()
    )
    return logger


@contextmanager
def bound(**context: Any) -> Iterator[None]:
    """Bind context (``portal=``, ``account=``, ``vacancy=``, ``pass_id=``) to every line inside."""
    with structlog.contextvars.bound_contextvars(**context):
        yield
