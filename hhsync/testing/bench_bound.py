"""The initial import's bound: how many responses a second each side's limits allow.

Bound = min(hh.ru bound, Bitrix24 bound).

hh.ru: 10 requests/s per client IP ÷ hh.ru requests per response. The *nominal* figure takes 2
(the resume with contacts and its PDF, the opens every new response needs); the *measured* one
takes what a run actually spent per response, which adds the listing pages and one
``GET /negotiations/{nid}/messages`` for a negotiation first seen outside state ``response``.

Bitrix24: the seconds of each method one create costs, priced by the Bitrix24 sandbox's own code
on the request hhsync sends. The create is built by the product (:func:`hhsync.sync.mapping
.build_draft` with the resume and a PDF of the configured size in ``fileData`` as Base64,
:func:`hhsync.sync.activity.build_layout` for its activity, :mod:`hhsync.bitrix.commands`),
encoded as a batch command (:meth:`hhsync.bitrix.batch.Command.encode`), parsed back the way the
sandbox parses a batch command and priced with the sandbox's ``params_kb`` and
:meth:`CostProfile.cost`. From those seconds, the least of:

* the request rate: 2 requests/s × creates per batch, a batch holding as many creates as fit
  hhsync's time target (:data:`hhsync.bitrix.batch_time.TARGET_S`), its body bound and 16;
* the operating time of each method: 480 s per 600 s ÷ that method's seconds per response, once
  the import needs more than one window of it;
* the portal's own time: it runs a pass's create batches one after another, so
  1 ÷ (seconds per response).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from hhsync.bitrix import commands as cmd
from hhsync.bitrix.batch import Command, result_ref
from hhsync.bitrix.batch_time import TARGET_S
from hhsync.db.tables import EntityType
from hhsync.hh.models import Resume
from hhsync.model.kinds import NegotiationKind
from hhsync.sandbox.bitrix.cost_profiles import CostProfile
from hhsync.sandbox.bitrix.method_time import params_kb
from hhsync.sandbox.bitrix.params import parse_query_string
from hhsync.sandbox.hh import resume_payloads
from hhsync.sandbox.hh.pdf import build_pdf
from hhsync.sandbox.hh.runtime import HhSandbox
from hhsync.sync import activity, mapping
from hhsync.sync.apply.request_size import COMMAND_OVERHEAD_BYTES, DEFAULT_MAX_BATCH_BYTES
from hhsync.testing.bench import B24_RATE, HH_RATE

NOMINAL_HH_REQUESTS_PER_RESPONSE: Final = 2.0
"""A new response opens its resume (with contacts) and downloads its PDF."""
B24_OPERATING_S: Final = 480.0
B24_WINDOW_S: Final = 600.0
"""Each method's operating time: 480 s per 10 minutes (limits.md)."""
CREATES_PER_BATCH: Final = 16
"""At most 16 creates a batch (three commands each fit 50)."""
SANDBOX_API: Final = "https://api.hh.ru"
"""The base URL the resumes' own links are written with (a real resume's are this long)."""


@dataclass(frozen=True)
class Create:
    """One lead create as hhsync sends it in a batch: each command's method and KB of
    parameters as the Bitrix24 sandbox counts them, and the bytes it adds to the batch body."""

    commands: tuple[tuple[str, float], ...]
    body_bytes: int

    @classmethod
    def of(cls, commands: Sequence[Command]) -> Create:
        """Encode ``commands`` as a batch carries them and measure them as the sandbox does."""
        encoded = [c.encode() for c in commands]
        return cls(
            tuple((c.method, command_kb(text)) for c, text in zip(commands, encoded, strict=True)),
            sum(len(text) for text in encoded) + COMMAND_OVERHEAD_BYTES,
        )


def command_kb(encoded: str) -> float:
    """KB of one batch command's parameters as the Bitrix24 sandbox counts them: its query
    string parsed the way the sandbox parses a batch command, then ``params_kb``."""
    _, _, query = encoded.partition("?")
    return params_kb(parse_query_string(query))


def lead_commands(
    resume: Resume | None,
    *,
    negotiation_id: str,
    vacancy_name: str,
    created_at_iso: str,
    pdf: bytes | None,
    stage: str = "NEW",
) -> tuple[Command, Command]:
    """The batch commands of one lead create for ``resume`` with ``pdf`` in ``fileData``: the
    lead (key ``e0``) and its activity. A deleted resume (None) comes without either."""
    draft = mapping.build_draft(
        mapping.NegotiationView(
            negotiation_id,
            NegotiationKind.RESPONSE,
            "response",
            datetime.fromisoformat(created_at_iso),
        ),
        mapping.VacancyView("1", vacancy_name),
        resume,
        resume.id if resume else None,
        mapping.EntityChoices(EntityType.LEAD, stage=stage),
        mapping.ResumePdf(f"resume-{resume.id}.pdf", pdf) if resume and pdf is not None else None,
    )
    layout = activity.build_layout(
        kind=NegotiationKind.RESPONSE,
        vacancy_name=draft.fields[mapping.UF_VACANCY],
        status_label=draft.fields[mapping.UF_STATUS],
        applicant=draft.applicant,
        negotiation_id=negotiation_id,
    )
    entity = cmd.entity_add("lead", draft.fields)
    activity_add = cmd.activity_configurable_add(
        "lead", result_ref("e0"), layout, activity.activity_fields(negotiation_id, None)
    )
    return entity, activity_add


def world_creates(sandbox: HhSandbox, pdf_bytes: int) -> list[Create]:
    """The lead create of every negotiation on an active vacancy of the hh.ru sandbox's world
    (:func:`world_commands`), measured."""
    return [Create.of(commands) for commands in world_commands(sandbox, pdf_bytes)]


def world_commands(sandbox: HhSandbox, pdf_bytes: int) -> Iterator[tuple[Command, Command]]:
    """The lead create's commands of every negotiation on an active vacancy of the hh.ru
    sandbox's world, each with the resume as ``GET /resumes/{id}`` shows it and a PDF as the
    sandbox serves it (``pdf_bytes`` in size; 0 gives a bare page, as the sandbox does). A
    negotiation whose resume was deleted gets its lead all the same, without resume or PDF."""
    store = sandbox.store
    for negotiation in store.negotiations.values():
        vacancy = store.vacancies[negotiation.vacancy_id]
        if vacancy.archived:
            continue
        stored = store.resumes.get(negotiation.resume_id)
        if stored is None or stored.deleted:
            yield lead_commands(
                None,
                negotiation_id=negotiation.id,
                vacancy_name=vacancy.name,
                created_at_iso=negotiation.created_at.isoformat(),
                pdf=None,
            )
            continue
        payload = resume_payloads.full_resume(SANDBOX_API, stored, negotiation)
        resume = Resume.model_validate(payload)
        full_name = " ".join(p for p in (stored.last_name, stored.first_name) if p)
        pdf = build_pdf(
            [full_name, stored.title, stored.area_name],
            full_name,
            size_bytes=pdf_bytes,
            seed=f"{sandbox.config.seed}:{stored.id}",
        )
        yield lead_commands(
            resume,
            negotiation_id=negotiation.id,
            vacancy_name=vacancy.name,
            created_at_iso=negotiation.created_at.isoformat(),
            pdf=pdf,
        )


def method_seconds(profile: CostProfile, creates: Sequence[Create]) -> dict[str, float]:
    """Mean seconds per response of each method the creates use, priced by ``profile``'s cost
    function (the one the sandbox books each command with)."""
    if not creates:
        raise ValueError("no creates to price")
    totals: dict[str, float] = {}
    for create in creates:
        for method, kb in create.commands:
            totals[method] = totals.get(method, 0.0) + profile.cost(method, kb)
    return {method: total / len(creates) for method, total in totals.items()}


def creates_per_batch(
    per_response_s: float, body_bytes: float, max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES
) -> int:
    """Creates in one batch: as many as fit the time target and the body bound, at most 16."""
    by_time = math.floor(TARGET_S / per_response_s) if per_response_s > 0 else CREATES_PER_BATCH
    by_bytes = math.floor(max_batch_bytes / body_bytes) if body_bytes > 0 else CREATES_PER_BATCH
    return max(1, min(CREATES_PER_BATCH, by_time, by_bytes))


def bitrix_bounds(
    responses: int, seconds: Mapping[str, float], body_bytes: float
) -> dict[str, float]:
    """Responses/s the portal allows, by limit (see the module's docstring)."""
    per_response_s = sum(seconds.values())
    per_batch = creates_per_batch(per_response_s, body_bytes)
    bounds = {"request rate": B24_RATE * per_batch, "portal time": 1.0 / per_response_s}
    for method, cost in seconds.items():
        if responses * cost > B24_OPERATING_S:
            bounds[f"operating {method}"] = B24_OPERATING_S / B24_WINDOW_S / cost
    return bounds


def hh_bound(requests_per_response: float) -> float:
    """Responses/s hh.ru's request rate allows at ``requests_per_response``."""
    return HH_RATE / requests_per_response


@dataclass(frozen=True)
class ImportBound:
    """Both sides' bounds for one import."""

    method_s: dict[str, float]
    """Mean seconds of each Bitrix24 method per response."""
    body_kb: float
    """Mean KB one create adds to a batch body."""
    bitrix: dict[str, float]
    """Bitrix24 responses/s by limit."""
    hh_nominal: float
    """hh.ru responses/s at the nominal 2 requests a response."""
    hh_measured: float | None
    """hh.ru responses/s at the run's measured requests a response (None before a run)."""

    @property
    def bitrix_bound(self) -> tuple[str, float]:
        """The binding Bitrix24 limit and its responses/s."""
        return min(self.bitrix.items(), key=lambda item: item[1])

    def bound(self, *, measured: bool) -> tuple[str, float]:
        """min(hh.ru, Bitrix24) with the side that binds, nominal or from the measured hh.ru
        requests a response."""
        hh = self.hh_measured if measured and self.hh_measured is not None else self.hh_nominal
        limit, b24 = self.bitrix_bound
        return ("hh.ru", hh) if hh <= b24 else (f"Bitrix24 ({limit})", b24)


def import_bound(
    profile: CostProfile,
    creates: Sequence[Create],
    responses: int,
    measured_hh_per_response: float | None = None,
) -> ImportBound:
    """The bound of an import of ``responses`` creates like ``creates`` on ``profile``."""
    seconds = method_seconds(profile, creates)
    body = sum(c.body_bytes for c in creates) / len(creates)
    return ImportBound(
        method_s=seconds,
        body_kb=body / 1024,
        bitrix=bitrix_bounds(responses, seconds, body),
        hh_nominal=hh_bound(NOMINAL_HH_REQUESTS_PER_RESPONSE),
        hh_measured=(hh_bound(measured_hh_per_response) if measured_hh_per_response else None),
    )


def describe(bound: ImportBound) -> Iterable[str]:
    """Lines that show how the bound was reached."""
    costs = ", ".join(f"{m} {s:.3f} s" for m, s in bound.method_s.items())
    yield (
        f"bound: per response {costs} (create body {bound.body_kb:.0f} KB); Bitrix24 bounds/s: "
        + ", ".join(f"{k} {v:.3g}" for k, v in bound.bitrix.items())
    )
