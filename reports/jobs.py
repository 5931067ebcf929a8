"""The scheduled making of quarterly reports (a daily job; it acts only once a quarter is over)."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from inburgering.jobs import daily_job


@daily_job("kwartaalrapportages")
def quarterly_reports_job(*, tenant, as_of: date) -> str:
    from reports.services import quarterly_reports_make_due

    made = quarterly_reports_make_due(tenant=tenant, as_of=as_of)
    return _("%(count)s quarterly reports made") % {"count": len(made)}
