"""Reads for checkpoints, level-change requests, extensions and the decision figures."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from attendance.models import TrajectoryAttendanceMonth
from contracts.models import Route
from progress.models import (
    AWAITING_ASSESSMENT,
    Checkpoint,
    CheckpointStatus,
    HoursExtension,
    LevelChangeRequest,
    MaximumHoursWarning,
    RequestStatus,
)

MINUTES_PER_HOUR = 60


def local_date(moment):
    return timezone.localtime(moment).date()


@dataclass(frozen=True)
class LearnerHours:
    attended_minutes: int
    offered_minutes: int

    @property
    def attended_hours(self) -> Decimal:
        return (Decimal(self.attended_minutes) / MINUTES_PER_HOUR).quantize(Decimal("0.01"))

    @property
    def offered_hours(self) -> Decimal:
        return (Decimal(self.offered_minutes) / MINUTES_PER_HOUR).quantize(Decimal("0.01"))


def learner_hours(learner_id: int) -> LearnerHours:
    """A learner's hours over all trajectories (DOMAIN.md "Counting hours"), from the monthly rollup."""
    totals = TrajectoryAttendanceMonth.unscoped.filter(trajectory__learner_id=learner_id).aggregate(
        attended=Sum("attended_minutes"), offered=Sum("offered_minutes")
    )
    return LearnerHours(attended_minutes=totals["attended"] or 0, offered_minutes=totals["offered"] or 0)


def contract_offered_minutes(*, learner_id: int, contract_id: int) -> int:
    """Offered minutes on one contract's trajectories of a learner: what its maximum counts."""
    total = TrajectoryAttendanceMonth.unscoped.filter(
        trajectory__learner_id=learner_id, trajectory__contract_id=contract_id
    ).aggregate(offered=Sum("offered_minutes"))["offered"]
    return total or 0


def extension_hours(*, learner_id: int, contract_id: int) -> int:
    total = HoursExtension.unscoped.filter(
        trajectory__learner_id=learner_id, trajectory__contract_id=contract_id
    ).aggregate(hours=Sum("extra_hours"))["hours"]
    return total or 0


def checkpoint_list(*, statuses=None, contract_id: int | None = None) -> QuerySet[Checkpoint]:
    queryset = Checkpoint.objects.select_related(
        "learner", "learner__municipality", "trajectory", "trajectory__contract", "trajectory__contract__provider"
    ).order_by("due_date", "pk")
    if statuses:
        queryset = queryset.filter(status__in=statuses)
    if contract_id:
        queryset = queryset.filter(trajectory__contract_id=contract_id)
    return queryset


def provider_todo() -> QuerySet[Checkpoint]:
    """Checkpoints the provider still has to assess, the most urgent first."""
    return checkpoint_list(statuses=AWAITING_ASSESSMENT)


def checkpoints_to_review() -> QuerySet[Checkpoint]:
    return checkpoint_list(statuses=[CheckpointStatus.SUBMITTED])


def checkpoint_detail_queryset() -> QuerySet[Checkpoint]:
    return checkpoint_list().select_related("submitted_by", "reviewed_by").prefetch_related("assessments")


def level_change_list(*, open_only: bool = False) -> QuerySet[LevelChangeRequest]:
    queryset = LevelChangeRequest.objects.select_related(
        "trajectory",
        "trajectory__learner",
        "trajectory__learner__municipality",
        "trajectory__contract",
        "trajectory__contract__provider",
        "requested_by",
    )
    if open_only:
        queryset = queryset.filter(status=RequestStatus.SUBMITTED)
    return queryset.order_by("due_date", "pk")


def decision_queue() -> QuerySet[LevelChangeRequest]:
    """Open requests sorted by deadline: the case manager's queue."""
    return level_change_list(open_only=True)


def level_change_detail_queryset() -> QuerySet[LevelChangeRequest]:
    return level_change_list().select_related("decided_by", "checkpoint", "new_trajectory")


def maximum_warnings() -> QuerySet[MaximumHoursWarning]:
    """Current warnings on open trajectories, newest first.

    A warning is superseded once extensions raised the maximum above the one it warned about
    (the detection warns again, at the new maximum, when that one is near too)."""
    extended = (
        HoursExtension.objects.filter(
            trajectory__learner_id=OuterRef("trajectory__learner_id"),
            trajectory__contract_id=OuterRef("trajectory__contract_id"),
        )
        .order_by()
        .values("trajectory__learner_id")
        .annotate(total=Sum("extra_hours"))
        .values("total")
    )
    contract_maximum = Case(
        When(trajectory__route=Route.B1, then=F("trajectory__contract__max_hours_b1")),
        When(trajectory__route=Route.Z, then=F("trajectory__contract__max_hours_z")),
        When(trajectory__route=Route.EDUCATION, then=F("trajectory__contract__max_hours_education")),
        output_field=IntegerField(),
    )
    return (
        MaximumHoursWarning.objects.filter(trajectory__status__in=("startklas", "actief", "afgeschaald"))
        .annotate(
            current_maximum=Coalesce(contract_maximum, Value(0))
            + Coalesce(Subquery(extended, output_field=IntegerField()), Value(0))
        )
        .filter(maximum_hours__gte=F("current_maximum"))
        .select_related("trajectory", "trajectory__learner", "trajectory__contract")
    )


def extensions_of(trajectory_ids) -> QuerySet[HoursExtension]:
    return HoursExtension.objects.filter(trajectory_id__in=list(trajectory_ids)).select_related("granted_by")


@dataclass(frozen=True)
class DecisionFigures:
    decided: int
    open: int
    open_overdue: int
    median_working_days: float | None
    p90_working_days: float | None
    share_within_deadline: Decimal | None


@dataclass(frozen=True)
class CheckpointFigures:
    total: int
    submitted: int
    on_time: int
    awaiting: int
    overdue: int

    @property
    def share_on_time(self) -> Decimal | None:
        if not self.submitted:
            return None
        return (Decimal(self.on_time) * 100 / self.submitted).quantize(Decimal("0.1"))


def _percentile(values: list[int], share: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least `share` of values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))  # ceil
    return float(ordered[int(rank) - 1])


def decision_figures(*, contract_id: int, today) -> DecisionFigures:
    """Turnaround of the municipality's decisions on a contract's requests (guide 1.2: measure it)."""
    requests = LevelChangeRequest.objects.filter(trajectory__contract_id=contract_id)
    decided = list(
        requests.exclude(status=RequestStatus.SUBMITTED).values_list(
            "turnaround_working_days", "decided_at", "due_date"
        )
    )
    days = [row[0] for row in decided if row[0] is not None]
    within = sum(1 for _, decided_at, due in decided if decided_at and local_date(decided_at) <= due)
    open_counts = requests.filter(status=RequestStatus.SUBMITTED).aggregate(
        total=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today))
    )
    return DecisionFigures(
        decided=len(decided),
        open=open_counts["total"] or 0,
        open_overdue=open_counts["overdue"] or 0,
        median_working_days=float(statistics.median(days)) if days else None,
        p90_working_days=_percentile(days, 0.9),
        share_within_deadline=(Decimal(within) * 100 / len(decided)).quantize(Decimal("0.1")) if decided else None,
    )


def checkpoint_figures(*, contract_id: int) -> CheckpointFigures:
    rows = list(
        Checkpoint.objects.filter(trajectory__contract_id=contract_id).values_list("status", "submitted_at", "due_date")
    )
    submitted = [(at, due) for status, at, due in rows if at is not None]
    return CheckpointFigures(
        total=len(rows),
        submitted=len(submitted),
        on_time=sum(1 for at, due in submitted if local_date(at) <= due),
        awaiting=sum(1 for status, _, _ in rows if status in AWAITING_ASSESSMENT),
        overdue=sum(1 for status, _, _ in rows if status == CheckpointStatus.OVERDUE),
    )
