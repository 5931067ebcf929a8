"""The absence part of the daily jobs: the monthly rule for this month and the month before
(late uploads and corrections still change last month; DOMAIN.md "Rule semantics")."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils.translation import gettext as _

from enforcement.services import absence_alerts_run, month_start
from inburgering.jobs import daily_job
from inburgering.tenancy.models import Tenant


@daily_job("verzuimsignalen")
def absence_alerts_daily(*, tenant: Tenant, as_of: date) -> str:
    this_month = month_start(as_of)
    previous_month = month_start(this_month - timedelta(days=1))
    run = absence_alerts_run(tenant=tenant, months=[previous_month, this_month])
    return _("%(created)s new absence alerts, %(updated)s updated, %(withdrawn)s withdrawn, %(letters)s letters") % {
        "created": run.created,
        "updated": run.updated,
        "withdrawn": run.withdrawn,
        "letters": len(run.letters),
    }
