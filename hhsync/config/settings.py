"""The settings model: every section, its defaults and limits, and the checks across sections.

Reading the TOML file, secret files and credentials is :mod:`hhsync.config.loading`; this module
only says what a valid configuration is and reads ``HHSYNC_*`` variables from the mapping it is
given.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    IPvAnyAddress,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.sources.utils import parse_env_vars

from hhsync.model.deadlines import lease_ttl_needed
from hhsync.model.hosts import is_host_port

ENV_PREFIX = "HHSYNC_"
ENV_NESTED_DELIMITER = "__"
SECRET_MASK = "********"  # noqa: S105 - the mask shown instead of a secret

# The environment the next Settings() reads: build_settings() sets it so that tests and
# `config check` can pass an explicit mapping without touching the process environment.
_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("hhsync_environ", default=None)


class _MappingEnvSource(EnvSettingsSource):
    """Environment-variable source reading an explicit mapping instead of ``os.environ``."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        environ = _ENVIRON.get()
        if environ is None:
            return super()._load_env_vars()
        return parse_env_vars(
            environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )


class LogFormat(StrEnum):
    """How log lines are rendered: ``auto`` picks console on a TTY and JSON lines otherwise."""

    AUTO = "auto"
    JSON = "json"
    CONSOLE = "console"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class DatabaseSettings(_Section):
    """Where hhsync keeps its state."""

    url: str | None = None
    """SQLAlchemy URL. PostgreSQL (``postgresql://user@host/db``) in production; unset means
    the embedded SQLite file ``<state_dir>/hhsync.sqlite3``, so a first run needs nothing."""
    pool_size: int = Field(default=22, ge=1, le=200)
    """Connections kept open per process: up to 5 per concurrent pass plus 2 for the daemon
    (``hhsync run`` refuses fewer), so the default fits the default 4 passes."""
    pool_max_overflow: int = Field(default=0, ge=0, le=200)
    """Extra short-lived connections beyond ``pool_size`` (0: the pool is a hard bound)."""
    pool_timeout_s: float = Field(default=30.0, gt=0)
    """Seconds to wait for a free connection before a pass fails with a clear error."""
    echo_sql: bool = False
    """Log every SQL statement (debugging only: statements carry encrypted tokens)."""

    @field_validator("url")
    @classmethod
    def _known_backend(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        scheme = value.split("://", 1)[0]
        if "://" not in value or scheme.split("+", 1)[0] not in {
            "postgresql",
            "postgres",
            "sqlite",
        }:
            raise ValueError(
                "must be a postgresql://user@host:port/db or sqlite:///path URL, got "
                f"{mask_url(value)!r}"
            )
        return value


class HhSettings(_Section):
    """The hh.ru application registered at dev.hh.ru."""

    client_id: str = ""
    """Client ID of the hh.ru application (not secret)."""
    client_secret: SecretStr | None = None
    """Client secret of the hh.ru application."""
    client_secret_file: Path | None = None
    """File holding the client secret (alternative to ``client_secret``)."""
    api_url: AnyHttpUrl = AnyHttpUrl("https://api.hh.ru")
    """Base URL of the hh.ru API (the sandbox's URL in the demo and tests)."""
    oauth_url: AnyHttpUrl = AnyHttpUrl("https://hh.ru")
    """Base URL of hh.ru's authorization page (``/oauth/authorize``)."""
    user_agent_contact: str = "admin@example.com"
    """Contact put in the required User-Agent: ``hhsync/<version> (<contact>)``."""
    requests_per_s: float = Field(default=10.0, gt=0, le=100)
    """Process-wide hh.ru request budget in requests per second (hh.ru limits per client IP)."""
    local_address: IPvAnyAddress | None = None
    """Local IP address the hh.ru connections leave from (unset: the system's choice). hh.ru's
    limit is per client address, so two instances on one host with an address each get a budget
    each (``hhsync status`` says when one instance's fleet outgrows its budget)."""
    request_timeout_s: float = Field(default=30.0, gt=0)
    """Timeout of one hh.ru HTTP request, in seconds."""
    max_connections: int = Field(default=10, ge=1, le=100)
    """Concurrent connections to hh.ru per process."""
    resume_pdf_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    """Largest resume PDF accepted, in bytes."""

    @field_validator("user_agent_contact")
    @classmethod
    def _contact_present(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must name a contact (an e-mail): hh.ru requires it in User-Agent")
        return value.strip()


class BitrixSettings(_Section):
    """The Bitrix24 application (local or Market app) that portals install."""

    client_id: str = ""
    """Application client ID (``client_id`` from the Bitrix24 developer resources)."""
    client_secret: SecretStr | None = None
    """Application client secret."""
    client_secret_file: Path | None = None
    """File holding the client secret (alternative to ``client_secret``)."""
    oauth_url: AnyHttpUrl = AnyHttpUrl("https://oauth.bitrix.info")
    """Base URL of the Bitrix24 OAuth server that refreshes tokens."""
    request_timeout_s: float = Field(default=30.0, gt=0)
    """Longest one Bitrix24 HTTP request may take on our side, in seconds, from sending it to the
    last byte of the answer (a write batch is given up as "outcome unknown" after that)."""
    request_cutoff_s: float = Field(default=60.0, gt=0, le=600)
    """Longest a request can keep running at the portal, in seconds: Bitrix24 ends a request
    after 60 s even when the client has gone. A create whose answer was lost is looked up only
    once its request can no longer be running; lower it only for a portal that cuts sooner."""
    max_connections_per_portal: int = Field(default=4, ge=1, le=50)
    """Concurrent connections to one portal."""
    max_batch_bytes: int = Field(default=16 * 1024 * 1024, ge=256 * 1024)
    """Largest body of one create ``batch``, in bytes: resume PDFs travel inside it as Base64.
    Bitrix24 Cloud takes up to 2 GB; lower it for a self-hosted portal whose server takes less."""
    requests_per_s: float = Field(default=2.0, gt=0, le=1000)
    """Leaky-bucket drain rate per portal (2 on ordinary plans, 5 on Enterprise)."""
    burst: int = Field(default=50, ge=1, le=1000)
    """Leaky-bucket size per portal (50 on ordinary plans, 250 on Enterprise)."""
    oauth_servers: list[str] = Field(
        default_factory=lambda: ["oauth.bitrix.info", "oauth.bitrix24.tech"], min_length=1
    )
    """Bitrix24 OAuth servers (``host`` or ``host:port``) hhsync asks to prove a posted token
    (``app.info``) and sends its client secret to. A ``SERVER_ENDPOINT`` posted to the app on
    another host is refused: a token or the secret never goes to a URL a request named. Plain
    HTTP is accepted only for loopback hosts (the sandbox)."""

    @field_validator("oauth_servers")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        cleaned = []
        for entry in value:
            host = entry.strip().lower()
            if not is_host_port(host):
                raise ValueError(
                    f"{entry!r} is not a host or host:port (e.g. oauth.bitrix.info, "
                    "127.0.0.1:8081): no scheme, path or user"
                )
            cleaned.append(host)
        return cleaned


class SecuritySettings(_Section):
    """Keys protecting tokens at rest and signed OAuth state."""

    token_key: SecretStr | None = None
    """Fernet key(s) encrypting tokens at rest, comma-separated: the first encrypts, all decrypt
    (key rotation). Generate with ``hhsync config gen-key``. With the embedded SQLite database
    and no key, one is created in ``<state_dir>/token.key``."""
    token_key_file: Path | None = None
    """File holding ``token_key``."""
    state_signing_key: SecretStr | None = None
    """Key signing the hh.ru OAuth ``state`` (portal-bound, expiring); defaults to one derived from
    ``token_key``."""
    state_signing_key_file: Path | None = None
    """File holding ``state_signing_key``."""


class WebSettings(_Section):
    """The embedded HTTP handler (OAuth callbacks and the settings page)."""

    host: str = "127.0.0.1"
    """Address to listen on (put a TLS-terminating proxy in front in production)."""
    port: int = Field(default=8080, ge=1, le=65535)
    """Port to listen on."""
    public_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8080")
    """URL at which Bitrix24 and hh.ru reach the handler: the app's pages, its event handler and
    the OAuth redirect URIs derive from it. HTTPS unless it is a loopback address."""
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=16 * 1024 * 1024)
    """Largest request body the handler reads; a bigger one is refused with 413."""


class SyncSettings(_Section):
    """How often and how hard hhsync polls."""

    poll_interval_s: float = Field(default=60.0, ge=1, le=86400)
    """Seconds between two passes of one portal (portals may override it)."""
    reconcile_period_s: float = Field(default=6 * 3600.0, ge=60)
    """A vacancy is re-read in full at least this often even when its counters did not change
    (the safety net under the state watch)."""
    state_watch_period_s: float = Field(default=180.0, ge=1, le=86400)
    """A vacancy's collections' totals are read at least this often (one request each time, so
    3600 / this many requests per vacancy per hour); a state change made on hh.ru's website moves
    no vacancy counter, and this is how it is found (ARCHITECTURE.md "Counters and the reconcile").
    """
    max_concurrent_passes: int = Field(default=4, ge=1, le=200)
    """Passes running at once in one process."""
    lease_ttl_s: float = Field(default=120.0, ge=5)
    """A lease expires this long after its last heartbeat (a dead instance's portals move)."""
    retry_base_s: float = Field(default=60.0, gt=0)
    """First delay before retrying a response that failed to sync; doubles per attempt."""
    retry_max_s: float = Field(default=6 * 3600.0, gt=0)
    """Longest delay between two retries of one response."""
    graceful_stop_s: float = Field(default=30.0, gt=0)
    """On SIGTERM, how long running passes may take to finish their current batch."""
    resume_copy_max_age_s: float = Field(default=3 * 86400.0, ge=3600)
    """A resume a create opened on hh.ru (contacts, PDF: personal data) is kept encrypted for a
    retry at most this long; a create still not through after that opens the resume again."""


class LogSettings(_Section):
    """Logging."""

    level: Literal["debug", "info", "warning", "error"] = "info"
    """Lowest level written."""
    format: LogFormat = LogFormat.AUTO
    """``json`` lines, readable ``console`` lines, or ``auto`` (console on a TTY)."""


class Settings(BaseSettings):
    """Everything hhsync can be told, validated once at start-up."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_NESTED_DELIMITER,
        extra="forbid",
        validate_default=True,
        case_sensitive=False,
    )

    state_dir: Path = Path("var")
    """Directory for the embedded database, the generated demo key and other local state."""
    database: DatabaseSettings = DatabaseSettings()
    hh: HhSettings = HhSettings()
    bitrix: BitrixSettings = BitrixSettings()
    security: SecuritySettings = SecuritySettings()
    web: WebSettings = WebSettings()
    sync: SyncSettings = SyncSettings()
    log: LogSettings = LogSettings()

    @model_validator(mode="after")
    def _production_needs_a_key(self) -> Settings:
        if (
            self.database.url
            and self.database.url.startswith("postgres")
            and (self.security.token_key is None)
        ):
            raise ValueError(
                "security.token_key is required with a PostgreSQL database "
                "(set HHSYNC_SECURITY__TOKEN_KEY or HHSYNC_SECURITY__TOKEN_KEY_FILE; "
                "generate one with `hhsync config gen-key`)"
            )
        if self.sync.retry_max_s < self.sync.retry_base_s:
            raise ValueError("sync.retry_max_s must not be smaller than sync.retry_base_s")
        shortest_ttl = lease_ttl_needed(self.bitrix.request_timeout_s)
        if self.sync.lease_ttl_s < shortest_ttl:
            raise ValueError(
                f"sync.lease_ttl_s ({self.sync.lease_ttl_s:g} s) is too short for"
                f" bitrix.request_timeout_s ({self.bitrix.request_timeout_s:g} s): a lease renewed"
                " every third of its TTL must outlive, with slack, every Bitrix24 request sent"
                f" under it; set sync.lease_ttl_s to at least {shortest_ttl:g} s or lower"
                " bitrix.request_timeout_s"
            )
        return self

    @property
    def embedded_database(self) -> bool:
        """True when no database URL is set and the local SQLite file is used."""
        return self.database.url is None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML file and secret files are merged before validation by load_settings(), which
        # passes them as init arguments; environment variables win over both.
        return (_MappingEnvSource(settings_cls), init_settings)


def build_settings(file_values: dict[str, Any], env: Mapping[str, str]) -> Settings:
    """Validate ``file_values`` (TOML and secrets) with ``env``'s ``HHSYNC_*`` variables on top."""
    token = _ENVIRON.set({k: v for k, v in env.items() if k.upper() != "HHSYNC_CONFIG"})
    try:
        return Settings(**file_values)
    finally:
        _ENVIRON.reset(token)


def mask_url(url: str) -> str:
    """Hide the password of a URL like ``postgresql://user:pw@host/db``."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    if ":" in creds:
        creds = creds.split(":", 1)[0] + ":" + SECRET_MASK
    return f"{scheme}://{creds}@{host}"
