"""Reads for attendance: upload history and results, the per-trajectory calendar, totals for
trajectory lists and the absences awaiting classification. Everything through scoped managers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from attendance.models import (
    AttendanceRecord,
    AttendanceUpload,
    AttendanceUploadError,
    Daypart,
    LessonStatus,
    TrajectoryAttendanceMonth,
)
from contracts.models import Contract, ContractStatus
from inburgering.tenancy.models import Municipality, Provider, RegionProvider, Role

# Who reads what (DOMAIN.md "Visibility"). Uploads: the uploading provider's staff and the region's
# contract managers, absence coordinators and tenant admins (read-only). Case managers and policy
# viewers never see uploads (the scope shows case managers none; policy viewers get 403).
UPLOAD_READERS = (Role.PROVIDER_STAFF, Role.CONTRACT_MANAGER, Role.ABSENCE_COORDINATOR, Role.TENANT_ADMIN)
# The calendar of one trajectory: its provider's staff, the case manager of the learner's
# municipality (the scope narrows them to it), absence coordinators and tenant admins.
CALENDAR_READERS = (Role.PROVIDER_STAFF, Role.CASE_MANAGER, Role.ABSENCE_COORDINATOR, Role.TENANT_ADMIN)
# Absences awaiting classification: never providers.
ABSENCE_QUEUE_READERS = (Role.ABSENCE_COORDINATOR, Role.TENANT_ADMIN)
# Only the absence coordinator classifies absences and registers a learner's call-ins (guide 2.4).
ABSENCE_CLASSIFIERS = (Role.ABSENCE_COORDINATOR,)
CALL_IN_REGISTRARS = (Role.ABSENCE_COORDINATOR,)

# Lessons of one day in the order they happen (the stored values sort avond < middag < ochtend).
DAYPART_ORDER = Case(
    When(daypart=Daypart.MORNING, then=Value(0)),
    When(daypart=Daypart.AFTERNOON, then=Value(1)),
    When(daypart=Daypart.EVENING, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


def format_hours(minutes: int | None) -> str:
    """Minutes as clock hours with one decimal, Dutch style: 1.234,5 (the UI is Dutch)."""
    if minutes is None:
        return "–"
    return f"{minutes / 60:,.1f}".translate(str.maketrans(",.", ".,"))


# --- Uploads -----------------------------------------------------------------------------------------


def upload_contracts(*, provider_ids: Iterable[int]) -> QuerySet[Contract]:
    """The active contracts a provider may upload attendance for, in the caller's scope."""
    return (
        Contract.objects.filter(status=ContractStatus.ACTIVE, provider_id__in=list(provider_ids))
        .select_related("provider")
        .order_by("reference", "pk")
    )


def upload_list() -> QuerySet[AttendanceUpload]:
    """Upload history, newest first, with what a list row shows joined (no N+1)."""
    return AttendanceUpload.objects.select_related("contract", "provider", "uploaded_by").order_by(
        "-uploaded_at", "-pk"
    )


def upload_list_with_error_counts() -> QuerySet[AttendanceUpload]:
    errors = (
        AttendanceUploadError.unscoped.filter(upload_id=OuterRef("pk"))
        .order_by()
        .values("upload_id")
        .annotate(total=Count("pk"))
        .values("total")
    )
    # Unscoped inside the subquery is safe: it is correlated to uploads the scope already admits.
    return upload_list().annotate(errors_total=Coalesce(Subquery(errors), 0))


def upload_detail_queryset() -> QuerySet[AttendanceUpload]:
    return AttendanceUpload.objects.select_related(
        "contract", "provider", "uploaded_by", "duplicate_of", "contract__provider"
    )


def upload_errors(upload: AttendanceUpload) -> QuerySet[AttendanceUploadError]:
    return AttendanceUploadError.objects.filter(upload_id=upload.pk).order_by("line", "pk")


def upload_error_chunks(upload_id: int, *, size: int = 5000) -> Iterator[list[tuple]]:
    """(line, column, value, message) in line order, in chunks by keyset (never OFFSET), so even a
    million errors stream in constant memory. The caller enters the scope around each chunk."""
    last: tuple[int, int] | None = None
    while True:
        errors = AttendanceUploadError.objects.filter(upload_id=upload_id)
        if last is not None:
            errors = errors.filter(Q(line__gt=last[0]) | Q(line=last[0], pk__gt=last[1]))
        chunk = list(errors.order_by("line", "pk").values_list("line", "column", "value", "message", "pk")[:size])
        if not chunk:
            return
        last = (chunk[-1][0], chunk[-1][4])
        yield [row[:4] for row in chunk]
        if len(chunk) < size:
            return


# --- Calendar per trajectory -------------------------------------------------------------------------


def may_view_calendar(tenancy, trajectory) -> bool:
    """The trajectory is visible (the caller's scope found it); may this caller's role read its lessons?

    A role counts only where it applies: provider staff for their own provider's trajectory, case
    managers for learners of their own municipality, coordinators and admins in the region.
    """
    held = tenancy.roles_by_tenant.get(trajectory.tenant_id, frozenset())
    if held & {Role.ABSENCE_COORDINATOR, Role.TENANT_ADMIN}:
        return True
    if Role.CASE_MANAGER in held and trajectory.learner.municipality_id in tenancy.municipality_ids:
        return True
    return Role.PROVIDER_STAFF in held and trajectory.contract.provider_id in tenancy.provider_ids


@dataclass
class CalendarMonth:
    month: date
    offered_minutes: int = 0
    attended_minutes: int = 0
    absent_minutes: int = 0
    lessons_count: int = 0
    absences: int = 0
    lessons: list[AttendanceRecord] = field(default_factory=list)

    @property
    def offered_hours(self) -> str:
        return format_hours(self.offered_minutes)

    @property
    def attended_hours(self) -> str:
        return format_hours(self.attended_minutes)

    @property
    def anchor(self) -> str:
        return self.month.strftime("maand-%Y-%m")


@dataclass
class Calendar:
    months: list[CalendarMonth]
    # The learner's call-ins for lessons of this trajectory (enforcement registers them), latest first.
    call_ins: list = field(default_factory=list)

    @property
    def offered_minutes(self) -> int:
        return sum(month.offered_minutes for month in self.months)

    @property
    def attended_minutes(self) -> int:
        return sum(month.attended_minutes for month in self.months)

    @property
    def absences(self) -> int:
        return sum(month.absences for month in self.months)

    @property
    def offered_hours(self) -> str:
        return format_hours(self.offered_minutes)

    @property
    def attended_hours(self) -> str:
        return format_hours(self.attended_minutes)


def trajectory_calendar(trajectory) -> Calendar:
    """Months (newest first) from the rollup, each with its lessons in date and daypart order; each
    lesson carries the learner's call-in for it (``lesson.call_in``, None without one).

    Three queries whatever the length of the trajectory: the rollup rows, the lessons, the call-ins.
    A lesson shows only the coordinator's outcome (``classification``), never the culpability.
    """
    months: dict[date, CalendarMonth] = {}
    for rollup in TrajectoryAttendanceMonth.objects.filter(trajectory_id=trajectory.pk).order_by("month"):
        months[rollup.month] = CalendarMonth(
            month=rollup.month,
            offered_minutes=rollup.offered_minutes,
            attended_minutes=rollup.attended_minutes,
            absent_minutes=rollup.absent_minutes,
            lessons_count=rollup.lessons,
            absences=rollup.absences,
        )
    lessons = (
        AttendanceRecord.objects.filter(trajectory_id=trajectory.pk)
        .annotate(daypart_order=DAYPART_ORDER)
        .order_by("lesson_date", "daypart_order", "pk")
    )
    # The reverse accessor keeps attendance free of an import of enforcement (which builds on it).
    call_ins = list(trajectory.call_ins.order_by("-lesson_date", "pk"))
    by_lesson = {(call_in.lesson_date, call_in.daypart): call_in for call_in in call_ins}
    for lesson in lessons:
        lesson.call_in = by_lesson.get((lesson.lesson_date, lesson.daypart))
        first = lesson.lesson_date.replace(day=1)
        months.setdefault(first, CalendarMonth(month=first)).lessons.append(lesson)
    return Calendar(months=[months[key] for key in sorted(months, reverse=True)], call_ins=call_ins)


def makeup_obligation(learner):
    """The learner's make-up obligation (enforcement computes it where the policy requires make-up),
    or None. Read through the reverse accessor: the learner is already visible to the caller."""
    try:
        return learner.makeup_obligation
    except ObjectDoesNotExist:
        return None


def attended_minutes_by_trajectory(trajectory_ids: Iterable[int]) -> dict[int, int]:
    """Total attended minutes per trajectory from the monthly rollup (one query for a whole page)."""
    ids = list(trajectory_ids)
    if not ids:
        return {}
    rows = (
        TrajectoryAttendanceMonth.objects.filter(trajectory_id__in=ids)
        .order_by()
        .values("trajectory_id")
        .annotate(total=Sum("attended_minutes"))
    )
    return {row["trajectory_id"]: row["total"] for row in rows}


# --- Absences awaiting classification ----------------------------------------------------------------


def absence_queue(
    *, municipality_id: int | None = None, provider_id: int | None = None, month: date | None = None
) -> QuerySet[AttendanceRecord]:
    """Lessons reported absent that no coordinator has classified yet, newest first; optionally of
    one municipality, one provider or one calendar month (``month`` is its first day)."""
    records = AttendanceRecord.objects.filter(status=LessonStatus.ABSENT, classification="")
    if municipality_id is not None:
        records = records.filter(trajectory__learner__municipality_id=municipality_id)
    if provider_id is not None:
        records = records.filter(trajectory__contract__provider_id=provider_id)
    if month is not None:
        following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        records = records.filter(lesson_date__gte=month, lesson_date__lt=following)
    return (
        records.select_related("trajectory__learner__municipality", "trajectory__contract__provider")
        .annotate(daypart_order=DAYPART_ORDER)
        .order_by("-lesson_date", "-daypart_order", "-pk")
    )


def absence_queue_filter_options() -> tuple[list[Municipality], list[Provider]]:
    """The region's municipalities and language providers, for the queue's filters (two queries)."""
    municipalities = list(Municipality.objects.order_by("name", "pk"))
    links = RegionProvider.objects.select_related("provider").order_by("provider__name", "provider_id")
    providers = list({link.provider_id: link.provider for link in links}.values())
    return municipalities, providers
