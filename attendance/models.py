"""Attendance per lesson, uploads that deliver it, their row errors and the rollups pages read."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from inburgering.tenancy.scoping import TenantOwned


class Daypart(models.TextChoices):
    MORNING = "ochtend", _("morning")
    AFTERNOON = "middag", _("afternoon")
    EVENING = "avond", _("evening")


class LessonStatus(models.TextChoices):
    PRESENT = "aanwezig", _("present")
    ABSENT = "afwezig", _("absent")
    CANCELLED = "vervallen", _("cancelled by the provider")


class ReportedReason(models.TextChoices):
    ILL = "ziek", _("ill")
    MEDICAL = "medisch", _("medical appointment")
    CHILDCARE = "kinderopvang", _("childcare")
    INFORMAL_CARE = "mantelzorg", _("informal care")
    WORK = "werk", _("work")
    OTHER = "anders", _("other")


class Classification(models.TextChoices):
    AUTHORIZED = "geoorloofd", _("authorized")
    UNAUTHORIZED = "ongeoorloofd", _("unauthorized")


class UploadStatus(models.TextChoices):
    RECEIVED = "ontvangen", _("received")
    PROCESSING = "bezig", _("processing")
    PROCESSED = "verwerkt", _("processed")
    REJECTED = "afgekeurd", _("rejected")


class UploadSource(models.TextChoices):
    FILE = "bestand", _("file")
    API = "api", _("API")


def upload_path(instance: AttendanceUpload, filename: str) -> str:
    # Never the original name on disk: it may contain personal data or path tricks.
    return f"aanwezigheid/{instance.tenant_id}/{instance.sha256[:2]}/{instance.sha256}"


class AttendanceUpload(TenantOwned):
    provider = models.ForeignKey("tenancy.Provider", on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="attendance_uploads")
    file = models.FileField(upload_to=upload_path, blank=True)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    source = models.CharField(max_length=16, choices=UploadSource.choices, default=UploadSource.FILE)
    format = models.CharField(_("format"), max_length=8, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=16, choices=UploadStatus.choices, default=UploadStatus.RECEIVED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    message = models.TextField(_("message"), blank=True)
    duplicate_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    rows_total = models.PositiveIntegerField(default=0)
    rows_new = models.PositiveIntegerField(default=0)
    rows_changed = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    scope_provider_lookup = "provider_id"
    scope_municipality_lookup = None

    class Meta:
        verbose_name = _("attendance upload")
        verbose_name_plural = _("attendance uploads")
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["tenant", "provider", "uploaded_at"], name="upload_tenant_provider")]


class AttendanceUploadError(TenantOwned):
    """One problem with one row (or the file): line, column, value, message."""

    upload = models.ForeignKey(AttendanceUpload, on_delete=models.CASCADE, related_name="errors")
    line = models.PositiveIntegerField()
    column = models.CharField(max_length=40, blank=True)
    value = models.CharField(max_length=100, blank=True)
    message = models.CharField(max_length=300)
    code = models.CharField(max_length=40, blank=True)

    scope_provider_lookup = "upload__provider_id"
    scope_municipality_lookup = None

    class Meta:
        ordering = ["line", "pk"]
        indexes = [models.Index(fields=["upload", "line"], name="upload_error_line")]


class AttendanceRecord(TenantOwned):
    """One lesson (dagdeel) of one trajectory on one date, as the provider reports it.

    Bulk-loaded, so it bypasses model signals: its audit is the upload that last changed it and
    the previous values in AttendanceRecordChange (DESIGN.md "Audit").
    """

    # Indexes and foreign-key checks are what a million-row import pays for (bench/attendance_upload.py):
    # the unique (trajectory, date, daypart) index serves trajectory lookups, (tenant, status, date)
    # tenant lookups. The database checks the trajectory key; tenant, upload and classifier are set
    # by the import itself from checked values (the tenant follows from the trajectory), so their
    # per-row constraint checks are left out.
    tenant = models.ForeignKey(
        "tenancy.Tenant",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("region"),
        db_index=False,
        db_constraint=False,
    )
    trajectory = models.ForeignKey(
        "learning_routes.Trajectory", on_delete=models.PROTECT, related_name="attendance", db_index=False
    )
    lesson_date = models.DateField(_("date"))
    daypart = models.CharField(_("daypart"), max_length=8, choices=Daypart.choices)
    scheduled_minutes = models.PositiveIntegerField(_("scheduled minutes"))
    attended_minutes = models.PositiveIntegerField(_("attended minutes"))
    status = models.CharField(_("status"), max_length=10, choices=LessonStatus.choices)
    reason = models.CharField(_("reported reason"), max_length=16, choices=ReportedReason.choices, blank=True)
    homework_class = models.BooleanField(_("homework class"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    upload = models.ForeignKey(
        AttendanceUpload, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    # The absence coordinator's classification (issue 7); a re-upload never overwrites it, except
    # that an absence turning into presence clears it (kept in the change history).
    classification = models.CharField(max_length=16, choices=Classification.choices, blank=True)
    culpability = models.CharField(max_length=32, blank=True)
    classified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    classified_at = models.DateTimeField(null=True, blank=True)

    scope_provider_lookup = "trajectory__contract__provider_id"
    scope_municipality_lookup = "trajectory__learner__municipality_id"

    class Meta:
        verbose_name = _("attendance record")
        verbose_name_plural = _("attendance records")
        ordering = ["lesson_date", "daypart"]
        constraints = [
            models.UniqueConstraint(fields=["trajectory", "lesson_date", "daypart"], name="one_record_per_lesson"),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "lesson_date"], name="attendance_tenant_status"),
            # The monthly absence rule reads only absences, and only these columns: a partial covering
            # index answers it from the index (bench/absence_alerts.py: 101 → 55 ms for one month).
            models.Index(
                fields=["tenant", "lesson_date"],
                include=["id", "trajectory", "classification", "attended_minutes", "scheduled_minutes"],
                condition=models.Q(status="afwezig"),
                name="attendance_absences",
            ),
        ]


class AttendanceRecordChange(TenantOwned):
    """The previous provider values of a record an upload changed (set-based audit)."""

    # Written set-based from checked rows in the same transaction: no per-row constraint checks.
    tenant = models.ForeignKey(
        "tenancy.Tenant", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"), db_constraint=False
    )
    record = models.ForeignKey(AttendanceRecord, on_delete=models.CASCADE, related_name="changes", db_constraint=False)
    upload = models.ForeignKey(AttendanceUpload, on_delete=models.PROTECT, related_name="changes", db_constraint=False)
    previous_upload = models.ForeignKey(
        AttendanceUpload, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    scheduled_minutes = models.PositiveIntegerField()
    attended_minutes = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=LessonStatus.choices)
    reason = models.CharField(max_length=16, blank=True)
    homework_class = models.BooleanField()
    note = models.CharField(max_length=500, blank=True)
    classification = models.CharField(max_length=16, blank=True)

    scope_provider_lookup = "upload__provider_id"
    scope_municipality_lookup = "record__trajectory__learner__municipality_id"

    class Meta:
        ordering = ["-pk"]


class TrajectoryAttendanceMonth(TenantOwned):
    """Per trajectory and calendar month: minutes offered and attended, lessons absent.

    Recomputed set-based for the trajectories an import touched, so pages and jobs never scan
    every record (issue 5, item 10).
    """

    trajectory = models.ForeignKey("learning_routes.Trajectory", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month
    offered_minutes = models.PositiveIntegerField(default=0)  # scheduled minutes of lessons not cancelled
    attended_minutes = models.PositiveIntegerField(default=0)
    absent_minutes = models.PositiveIntegerField(default=0)
    lessons = models.PositiveIntegerField(default=0)
    absences = models.PositiveIntegerField(default=0)

    scope_provider_lookup = "trajectory__contract__provider_id"
    scope_municipality_lookup = "trajectory__learner__municipality_id"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["trajectory", "month"], name="one_rollup_per_trajectory_month"),
        ]
