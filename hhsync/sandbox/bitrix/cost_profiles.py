"""PURE: how long one Bitrix24 method call takes, by named portal profile.

A call's cost is its method's base seconds plus seconds per KB of its encoded parameters: the
docs name data volume as what drives a request's duration (limits.md, "Request Execution Time
Limit"), so a create carrying a resume PDF in ``fileData`` costs more than one without.

Profiles:

* ``documented``: the ``processing`` seconds of the documented examples' ``time`` blocks
  (crm-lead-add.md 3.31 s, crm-deal-add.md 0.68 s, crm-deal-update.md 1.35 s, crm-deal-list.md
  0.25 s, crm-deal-get.md 0.21 s, crm-activity-todo-add.md 0.13 s, crm-lead-userfield-add.md
  0.19 s, crm-timeline-logmessage-add.md 0.03 s, batch.md's crm.contact.add 0.09 s). The lead
  example's block is the same one the docs show for crm.lead.get/update and in limits.md, so it is
  an illustration rather than a measurement; it is still the documented figure.
* ``light``: a fast, quiet portal (about the batch.md example's 0.09 s per create, a tenth of
  the documented lead figure).

The per-KB figures are not documented; they are chosen so that a 1 MB PDF (about 1.4 MB of
base64) adds seconds on the documented portal and a fraction of one on the light one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class CostProfile:
    """Method time of one portal: base seconds per method, a default, and seconds per KB."""

    name: str
    base_s: Mapping[str, float] = field(default_factory=dict)
    default_s: float = 0.05
    per_kb_s: float = 0.0

    def cost(self, method: str, params_kb: float) -> float:
        """Seconds one call of ``method`` with ``params_kb`` KB of parameters takes."""
        base = self.base_s.get(method.lower(), self.default_s)
        return base + max(0.0, params_kb) * self.per_kb_s

    def with_changes(
        self,
        *,
        base_s: Mapping[str, float] | None = None,
        default_s: float | None = None,
        per_kb_s: float | None = None,
    ) -> CostProfile:
        """A copy with some figures replaced (per-method ones merged into the base)."""
        merged = dict(self.base_s)
        merged.update({k.lower(): float(v) for k, v in (base_s or {}).items()})
        return replace(
            self,
            base_s=merged,
            default_s=self.default_s if default_s is None else default_s,
            per_kb_s=self.per_kb_s if per_kb_s is None else per_kb_s,
        )


LIGHT = CostProfile(
    "light",
    {
        "crm.lead.add": 0.1,
        "crm.deal.add": 0.1,
        "crm.contact.add": 0.05,
        "crm.lead.update": 0.05,
        "crm.deal.update": 0.05,
        "crm.activity.configurable.add": 0.05,
        "crm.timeline.comment.add": 0.03,
        "crm.lead.userfield.add": 0.2,
        "crm.deal.userfield.add": 0.2,
    },
    default_s=0.02,
    per_kb_s=0.0002,
)

DOCUMENTED = CostProfile(
    "documented",
    {
        "crm.lead.add": 3.3077,  # crm-lead-add.md
        "crm.lead.update": 3.3077,  # crm-lead-update.md (the same block)
        "crm.lead.get": 3.3077,  # crm-lead-get.md (the same block)
        "crm.deal.add": 0.6823,  # crm-deal-add.md
        "crm.deal.update": 1.3475,  # crm-deal-update.md
        "crm.deal.get": 0.2143,  # crm-deal-get.md
        "crm.deal.list": 0.2484,  # crm-deal-list.md
        "crm.contact.add": 0.0937,  # batch.md (crm.contact.add inside a batch)
        "crm.activity.todo.add": 0.1303,  # crm-activity-todo-add.md
        "crm.activity.configurable.add": 0.1303,  # configurable-get example (the same block)
        "crm.lead.userfield.add": 0.1922,  # crm-lead-userfield-add.md
        "crm.timeline.logmessage.add": 0.0323,  # crm-timeline-logmessage-add.md
        "crm.timeline.comment.add": 0.088,  # crm-timeline-comment-add.md (duration only)
    },
    default_s=0.2143,  # a read like crm.deal.get
    per_kb_s=0.005,
)

PROFILES: dict[str, CostProfile] = {p.name: p for p in (DOCUMENTED, LIGHT)}


def named_profile(name: str) -> CostProfile:
    """The profile called ``name``; a clear error names the known ones."""
    try:
        return PROFILES[name.lower()]
    except KeyError as exc:
        raise ValueError(f"unknown cost profile {name!r}; known: {', '.join(PROFILES)}") from exc
