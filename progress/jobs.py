"""The progress part of the daily jobs: checkpoints, overdue marks and maximum-hours warnings."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from inburgering.jobs import daily_job
from inburgering.tenancy.models import Tenant
from progress.services import progress_detect


@daily_job("evaluatiemomenten")
def checkpoints_daily(*, tenant: Tenant, as_of: date) -> str:
    result = progress_detect(tenant=tenant, as_of=as_of)
    return _("%(created)s new checkpoints, %(overdue)s overdue, %(warnings)s maximum-hours warnings") % {
        "created": result.checkpoints_created,
        "overdue": result.checkpoints_overdue,
        "warnings": result.warnings_created,
    }
