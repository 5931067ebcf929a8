from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from attendance.models import AttendanceRecord, AttendanceRecordChange
from enforcement.absences import makeup_obligations_refresh
from enforcement.services import absence_alerts_run, absence_coordinators
from notifications.services import notification_send


def alerts_after_upload(sender, *, upload, changed: bool, **kwargs) -> None:
    """The rule re-runs for the months an upload touched (DOMAIN.md "Rule semantics")."""
    if not changed:
        return
    months = list(AttendanceRecord.unscoped.filter(upload_id=upload.pk).dates("lesson_date", "month"))
    if months:
        absence_alerts_run(tenant=upload.tenant, months=months)
    # Missed and homework-class minutes changed: the make-up obligations follow at once, not tomorrow.
    makeup_obligations_refresh(tenant=upload.tenant)
    _notify_cleared_classifications(upload)


def _notify_cleared_classifications(upload) -> None:
    """An absence that a re-upload turned into a presence loses its classification (kept in the
    change history); the coordinators are told (DOMAIN.md "Rule semantics")."""
    cleared = AttendanceRecordChange.unscoped.filter(upload_id=upload.pk, status="afwezig").exclude(classification="")
    count = cleared.filter(record__classification="").count()
    if not count:
        return
    notification_send(
        recipients=absence_coordinators(upload.tenant),
        tenant=upload.tenant,
        subject=ngettext(
            "%(count)s classified absence became a presence",
            "%(count)s classified absences became presences",
            count,
        )
        % {"count": count},
        body=_("A corrected attendance file from %(provider)s cleared their classification.")
        % {"provider": upload.provider.name},
        url=reverse("absence_queue"),
    )
