"""The daily jobs of the application: plain services with an "as of" date.

Apps register their daily job with ``@daily_job("name")``; beat runs them all through
``run_daily_jobs_task`` and operators/tests through ``manage.py run_jobs --as-of JJJJ-MM-DD``.
Each job runs per tenant inside that tenant's scope, so it cannot touch another region's rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from inburgering.tenancy.scoping import Grant, scope

logger = logging.getLogger(__name__)

DailyJob = Callable[..., str]
_registry: dict[str, DailyJob] = {}


def daily_job(name: str) -> Callable[[DailyJob], DailyJob]:
    def register(function: DailyJob) -> DailyJob:
        _registry[name] = function
        return function

    return register


def registered_daily_jobs() -> dict[str, DailyJob]:
    return dict(_registry)


@dataclass
class JobOutcome:
    tenant: str
    job: str
    summary: str


def run_daily_jobs(*, as_of: date, only: list[str] | None = None) -> list[JobOutcome]:
    from inburgering.tenancy.models import Tenant
    from inburgering.tenancy.services import worker_heartbeat_record

    outcomes: list[JobOutcome] = []
    jobs = {name: job for name, job in _registry.items() if only is None or name in only}
    for tenant in Tenant.objects.order_by("slug"):
        with scope([Grant(tenant_id=tenant.pk)]):
            for name, job in jobs.items():
                summary = job(tenant=tenant, as_of=as_of)
                logger.info("daily job %s for %s as of %s: %s", name, tenant.slug, as_of, summary)
                outcomes.append(JobOutcome(tenant=tenant.slug, job=name, summary=summary))
    names = ", ".join(jobs) or _("no daily jobs registered yet")
    detail = _("as of %(date)s: %(jobs)s") % {"date": f"{as_of:%d-%m-%Y}", "jobs": names}
    worker_heartbeat_record(name="dagelijkse-taken", detail=detail)
    return outcomes
