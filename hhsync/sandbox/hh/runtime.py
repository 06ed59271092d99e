"""Configuration and live objects of one hh.ru sandbox (reachable as ``app.state.sandbox``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Final

from hhsync.clock import Clock
from hhsync.sandbox.faults import FaultPlan
from hhsync.sandbox.hh.generator import GeneratorCounts, generate
from hhsync.sandbox.hh.latency import Latency
from hhsync.sandbox.hh.limits import RateLimiter
from hhsync.sandbox.hh.oauth import OAuthRules, SpontaneousDeactivation
from hhsync.sandbox.hh.payloads import true_counters
from hhsync.sandbox.hh.restricted import restrict_resumes
from hhsync.sandbox.hh.resume_quota import COMPANY_VIEWS_PER_DAY, ResumeViewQuota
from hhsync.sandbox.hh.store import HhStore, RequestRecord
from hhsync.sandbox.timescale import ScaledClock

# Realistic figures for the demo, ``hhsync sandbox`` and the benchmarks. They are this sandbox's
# own assumptions, not documented figures: hh.ru publishes neither its resume PDFs' size nor its
# API's round trip. A resume PDF with a photo and embedded fonts typically weighs 100-300 KB;
# a round trip from a VPS in Russia to api.hh.ru takes tens of milliseconds.
REALISTIC_RESUME_PDF_BYTES: Final = 200_000
"""A typical resume PDF: the middle of 100-300 KB (an assumption, not a documented figure)."""
REALISTIC_ROUND_TRIP_S: Final = 0.05
"""A typical hh.ru API round trip from a Russian VPS (an assumption, not a documented figure)."""

DAY_S = 24 * 3600.0
# How deep (page * per_page) a list may be read. hh.ru's spec states 2000 for vacancy and resume
# search and nothing for negotiation lists; hhru/api#98 (2015) raised negotiation lists to 10,000.
# The stricter reading is the default; the looser one stays a named profile.
DEPTH_PROFILES: dict[str, int] = {"strict": 2000, "loose": 10_000}


@dataclass
class HhSandboxConfig:
    """Every knob of the hh.ru sandbox; the defaults are hh.ru's documented values.

    Times are sandbox seconds (``speed`` scales them all); ``base_clock`` lets tests freeze time.
    """

    seed: int = 1
    speed: float = 1.0
    client_id: str = "hhsync-demo"
    client_secret: str = "hhsync-demo-secret"  # noqa: S105 - public demo credential of the sandbox
    # The redirect URI saved in the demo app's settings at dev.hh.ru: hhsync's callback at its
    # default public URL. A redirect_uri given to /oauth/authorize must extend it (only "www." in
    # front of the host, a longer path, more query parameters), and a missing one means this one.
    registered_redirect_uri: str = "http://127.0.0.1:8080/oauth/hh/callback"
    client_name: str = "hhsync"  # the app's name the consent page shows
    # The login page lists the demo logins and the demo password (a sandbox convenience).
    login_hints: bool = True
    # Issued by hh.ru as expires_in=1209600 (14 days), per the hh.ru OpenAPI spec.
    access_token_lifetime_s: float = 14 * DAY_S
    # What a ``token_deactivated`` fault on a refresh leaves behind (hhru/api#869, #619): the
    # pair deactivated for good (the stricter reading) or a pair that refreshes again.
    spontaneous_deactivation: SpontaneousDeactivation = SpontaneousDeactivation.DEAD
    # "Short-lived" is all hh.ru says; ten minutes is our choice.
    code_lifetime_s: float = 600.0
    # About 10 requests/s per client IP (hhru/api#74); 0 disables the limit.
    rate_limit_per_s: float = 10.0
    # The "strict" profile of DEPTH_PROFILES; "loose" (hhru/api#98) is 10,000.
    depth_limit: int = DEPTH_PROFILES["strict"]
    max_per_page: int = 50
    # HH terms: <= 200 (group B) or 500 (group A) resume opens per manager per day; the stricter.
    resume_views_per_day: int = 200
    # The same terms (3.1.11): <= 8,000 resume opens per company per day, all managers together.
    resume_views_per_company_per_day: int = COMPANY_VIEWS_PER_DAY
    # Every open counts, PDF downloads too ("совокупность открытий (кликов)"); True counts a
    # (manager, resume) pair once a day instead.
    resume_views_unique: bool = False
    # Quotas a company set for some of its managers (403 resumes/quota_exceeded beyond).
    resume_view_quotas: dict[str, int] = field(default_factory=dict)
    # Round trip of every API answer in sandbox seconds, +- jitter (0: answer at once). The
    # tests' default; the demo, `hhsync sandbox` and the benchmarks use REALISTIC_ROUND_TRIP_S.
    latency_s: float = 0.0
    latency_jitter_s: float = 0.0
    # Share of resumes not viewable in full (contact_view_status IPC or NONE, names hidden).
    restricted_resume_share: float = 0.1
    # Size of a resume PDF: real ones weigh hundreds of KB (photo, fonts); 0 gives a bare page.
    # The tests' default (a bare page keeps the suite fast); the demo, `hhsync sandbox` and the
    # benchmarks use REALISTIC_RESUME_PDF_BYTES.
    resume_pdf_bytes: int = 0
    employers: int = 2
    managers_per_employer: int = 3
    vacancies_per_employer: int = 6
    archived_vacancies_per_employer: int = 1
    applicants: int = 60
    negotiations_per_vacancy: int = 12
    faults: FaultPlan = field(default_factory=FaultPlan)
    base_clock: Clock | None = None

    def counts(self) -> GeneratorCounts:
        """Generator counts taken from this config."""
        return GeneratorCounts(
            employers=self.employers,
            managers_per_employer=self.managers_per_employer,
            vacancies_per_employer=self.vacancies_per_employer,
            applicants=self.applicants,
            negotiations_per_vacancy=self.negotiations_per_vacancy,
            archived_vacancies_per_employer=self.archived_vacancies_per_employer,
        )


@dataclass
class HhSandbox:
    """The running sandbox: config, clock, state, limits and faults."""

    config: HhSandboxConfig
    clock: ScaledClock
    store: HhStore
    limiter: RateLimiter
    quota: ResumeViewQuota
    latency: Latency
    faults: FaultPlan
    oauth: OAuthRules

    @classmethod
    def build(cls, config: HhSandboxConfig) -> HhSandbox:
        """Generate the world for ``config.seed`` anchored at the sandbox clock's start."""
        clock = ScaledClock(config.speed, config.base_clock)
        store = generate(config.seed, clock.now(), config.counts())
        store.counters.now_s = clock.monotonic
        store.counters.sample = partial(true_counters, store)
        restrict_resumes(store, config.restricted_resume_share, config.seed)
        return cls(
            config=config,
            clock=clock,
            store=store,
            limiter=RateLimiter(config.rate_limit_per_s),
            quota=ResumeViewQuota(
                config.resume_views_per_day,
                config.resume_views_per_company_per_day,
                config.resume_views_unique,
                dict(config.resume_view_quotas),
            ),
            latency=Latency(clock, config.latency_s, config.latency_jitter_s, config.seed),
            faults=config.faults,
            oauth=OAuthRules(
                config.client_id,
                config.client_secret,
                config.access_token_lifetime_s,
                config.code_lifetime_s,
            ),
        )

    def now(self) -> datetime:
        """Sandbox wall time."""
        return self.clock.now()

    def now_s(self) -> float:
        """Sandbox monotonic seconds (expiries and rate windows)."""
        return self.clock.monotonic()

    def log_request(
        self, method: str, path: str, query: str, status: int, manager_id: str | None, client: str
    ) -> None:
        """Remember one request for the admin API's request log."""
        self.store.request_log.append(
            RequestRecord(
                at=self.now().isoformat(),
                method=method,
                path=path,
                query=query,
                status=status,
                manager_id=manager_id,
                client=client,
            )
        )


def new_request_id() -> str:
    """A request id like hh.ru's ``X-Request-ID``."""
    return uuid.uuid4().hex
