"""Resume opens an employer may make per day: per manager, per company, and a manager's own quota.

hh.ru's terms (quoted in hhru/api #855, items 3.1.11 and 3.1.12) count every open ("click") of a
resume, responses included: at most 200 (group B) or 500 (group A) per manager and 8,000 per
company a day. The API answers ``429 resumes/view_limit_exceeded`` when a daily limit is spent
and ``403 resumes/quota_exceeded`` when the quota the company set for the manager is spent
(hhru/api docs/errors.md, "Работа с резюме"). A day ends at midnight Moscow time (our reading of
"в течение суток"; hh.ru does not say). Pure logic over sandbox time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from hhsync.sandbox.hh import errors
from hhsync.sandbox.hh.limits import MSK

COMPANY_VIEWS_PER_DAY = 8000


@dataclass
class _Day:
    """Opens of one Moscow calendar day."""

    date: str
    by_manager: dict[str, int] = field(default_factory=dict)
    by_company: dict[str, int] = field(default_factory=dict)
    seen: set[tuple[str, str]] = field(default_factory=set)


@dataclass
class ResumeViewQuota:
    """Counts resume opens (fetches and downloads) and refuses those past a limit."""

    per_day: int
    """Opens per manager per day (429 beyond)."""
    per_company_per_day: int = COMPANY_VIEWS_PER_DAY
    """Opens per employer per day, all managers together (429 beyond)."""
    unique_views: bool = False
    """Count a (manager, resume) pair once a day instead of every open: a gentler reading."""
    manager_quotas: dict[str, int] = field(default_factory=dict)
    """Quotas the company set for some managers (403 ``quota_exceeded`` beyond)."""
    _day: _Day = field(default_factory=lambda: _Day(""))

    @staticmethod
    def day_of(now: datetime) -> str:
        """The hh.ru (Moscow) calendar day of ``now``."""
        return now.astimezone(MSK).date().isoformat()

    def _today(self, now: datetime) -> _Day:
        today = self.day_of(now)
        if self._day.date != today:
            self._day = _Day(today)  # past days are never asked about again
        return self._day

    def spend(self, employer_id: str, manager_id: str, resume_id: str, now: datetime) -> None:
        """Count one open of ``resume_id`` by ``manager_id`` of ``employer_id``.

        Raises:
            errors.ApiError: 403 ``resumes/quota_exceeded`` past the manager's own quota, 429
                ``resumes/view_limit_exceeded`` past the manager's or the company's daily limit.
        """
        day = self._today(now)
        if self.unique_views and (manager_id, resume_id) in day.seen:
            return
        spent = day.by_manager.get(manager_id, 0)
        quota = self.manager_quotas.get(manager_id)
        if quota is not None and spent >= quota:
            raise errors.resume_quota_exceeded()
        if spent >= self.per_day or day.by_company.get(employer_id, 0) >= self.per_company_per_day:
            raise errors.view_limit_exceeded()
        day.by_manager[manager_id] = spent + 1
        day.by_company[employer_id] = day.by_company.get(employer_id, 0) + 1
        day.seen.add((manager_id, resume_id))

    def spent(self, manager_id: str, now: datetime) -> int:
        """Opens the manager made today."""
        return self._today(now).by_manager.get(manager_id, 0)

    def today(self, now: datetime) -> dict[str, object]:
        """Today's opens for the admin API: the day, per manager and per company."""
        day = self._today(now)
        return {
            "date": day.date,
            "by_manager": dict(day.by_manager),
            "by_company": dict(day.by_company),
        }

    def limit_of(self, manager_id: str) -> int:
        """The manager's daily limit: the lower of the general limit and their own quota."""
        quota = self.manager_quotas.get(manager_id)
        return self.per_day if quota is None else min(quota, self.per_day)

    def left(self, employer_id: str, manager_id: str, now: datetime) -> int:
        """Opens the manager may still make today; the company's limit counts too (hhru/api
        PR #419: ``left`` takes the company limit into account)."""
        day = self._today(now)
        own = self.limit_of(manager_id) - day.by_manager.get(manager_id, 0)
        company = self.per_company_per_day - day.by_company.get(employer_id, 0)
        return max(0, min(own, company))
