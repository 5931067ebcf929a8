from __future__ import annotations

from attendance.models import AttendanceRecord
from enforcement.services import absence_alerts_run


def alerts_after_upload(sender, *, upload, changed: bool, **kwargs) -> None:
    """The rule re-runs for the months an upload touched (DOMAIN.md "Rule semantics")."""
    if not changed:
        return
    months = list(AttendanceRecord.unscoped.filter(upload_id=upload.pk).dates("lesson_date", "month"))
    if months:
        absence_alerts_run(tenant=upload.tenant, months=months)
