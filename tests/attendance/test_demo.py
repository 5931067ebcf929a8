"""The demo attendance: realistic, inside every trajectory, catches the absence rule, idempotent."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from attendance.demo import first_month, seed_attendance
from attendance.models import (
    AttendanceRecord,
    AttendanceRecordChange,
    AttendanceUpload,
    AttendanceUploadError,
    TrajectoryAttendanceMonth,
)
from contracts.demo import seed_contracts
from inburgering.tenancy.demo import seed_demo
from inburgering.tenancy.scoping import scopes_disabled
from learning_routes.demo import seed_learners
from learning_routes.models import Trajectory
from learning_routes.services import OPEN_STATUSES


@pytest.fixture
def seeded(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the demo stores its files like real uploads
    seed_demo()
    seed_contracts()
    seed_learners()
    return seed_attendance()


def _counts() -> tuple[int, ...]:
    with scopes_disabled():
        return (
            AttendanceRecord.objects.count(),
            AttendanceUpload.objects.count(),
            AttendanceRecordChange.objects.count(),
            AttendanceUploadError.objects.count(),
            TrajectoryAttendanceMonth.objects.count(),
        )


def test_most_open_trajectories_have_realistic_attendance_inside_their_period(seeded):
    assert seeded and "lessen aanwezigheid" in seeded[0]
    today = timezone.localdate()
    with scopes_disabled():
        open_ids = set(Trajectory.objects.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True))
        with_attendance = set(AttendanceRecord.objects.values_list("trajectory_id", flat=True).distinct())
        assert len(open_ids & with_attendance) >= 0.9 * len(open_ids)

        records = AttendanceRecord.objects.select_related("trajectory")
        assert not records.filter(lesson_date__gte=today).exists()
        outside = [
            r.pk
            for r in records
            if r.lesson_date < r.trajectory.start_date
            or (r.trajectory.end_date is not None and r.lesson_date > r.trajectory.end_date)
            or r.lesson_date.weekday() >= 5
        ]
        assert outside == []
        first = first_month(today)  # the quarter two quarters back: the two quarters before this one complete
        quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        assert first.day == 1 and first.month in (1, 4, 7, 10)
        assert (quarter_start.year - first.year) * 12 + quarter_start.month - first.month == 6
        assert not records.filter(lesson_date__lt=first).exists()
        assert records.filter(lesson_date__lt=first + timedelta(days=31)).exists()

        statuses = Counter(records.values_list("status", flat=True))
        total = sum(statuses.values())
        assert statuses["aanwezig"] >= 0.85 * total
        assert 0 < statuses["afwezig"] <= 0.1 * total
        assert statuses["vervallen"] > 0
        assert records.filter(status="aanwezig", attended_minutes__lt=F("scheduled_minutes")).exists()
        absences = records.filter(status="afwezig")
        assert absences.exclude(reason="").count() >= 0.8 * absences.count()
        assert records.filter(homework_class=True).exists()
        assert not records.filter(status__in=["afwezig", "vervallen"], attended_minutes__gt=0).exists()

        # Real upload history: every upload processed by the provider's staff, with corrections and errors.
        uploads = AttendanceUpload.objects.all()
        assert uploads.count() >= 10
        assert set(uploads.values_list("status", flat=True)) == {"verwerkt"}
        assert all(
            u.uploaded_by.memberships.filter(provider=u.provider, role="provider_staff").exists()
            for u in uploads.select_related("uploaded_by", "provider")
        )
        assert uploads.filter(rows_changed__gt=0).exists() and AttendanceRecordChange.objects.exists()
        assert uploads.filter(rows_rejected__gt=0).exists()
        assert uploads.filter(duplicate_of__isnull=False, rows_new=0, rows_changed=0).exists()
        assert not uploads.filter(uploaded_at__gt=timezone.now()).exists()


def test_the_absence_rule_catches_a_handful_the_rollup_adds_up_and_a_second_run_creates_nothing(seeded):
    with scopes_disabled():
        per_month = (
            AttendanceRecord.objects.filter(status="afwezig")
            .annotate(month=TruncMonth("lesson_date"))
            .values("trajectory__learner_id", "month")
            .annotate(absences=Count("pk"))
        )
        caught = {row["trajectory__learner_id"] for row in per_month if row["absences"] >= 3}
        assert 3 <= len(caught) <= 20  # a handful, not half the region
        learners = Trajectory.objects.filter(status__in=OPEN_STATUSES).values("learner_id").distinct().count()
        assert len(caught) < 0.1 * learners

        # The monthly rollup matches a direct aggregate of the lessons, for a learner the rule catches
        # and for a trajectory a corrected file changed.
        records = AttendanceRecord.objects.order_by("pk")
        samples = {
            records.filter(trajectory__learner_id=min(caught)).values_list("trajectory_id", flat=True)[0],
            AttendanceRecordChange.objects.order_by("pk").values_list("record__trajectory_id", flat=True)[0],
        }
        for trajectory_id in samples:
            _assert_rollup_matches(trajectory_id)
        # And over everything: the rollup adds up to the records.
        totals = AttendanceRecord.objects.aggregate(
            attended=Sum("attended_minutes"), absences=Count("pk", filter=Q(status="afwezig"))
        )
        rolled = TrajectoryAttendanceMonth.objects.aggregate(attended=Sum("attended_minutes"), absences=Sum("absences"))
        assert rolled == totals

    before = _counts()
    assert seed_attendance() == []
    assert _counts() == before


def _assert_rollup_matches(trajectory_id: int) -> None:
    direct = {
        row["month"]: row
        for row in AttendanceRecord.objects.filter(trajectory_id=trajectory_id)
        .annotate(month=TruncMonth("lesson_date"))
        .values("month")
        .annotate(
            offered=Sum("scheduled_minutes", filter=~Q(status="vervallen")),
            attended=Sum("attended_minutes"),
            absent=Sum(F("scheduled_minutes") - F("attended_minutes"), filter=Q(status="afwezig")),
            lessons=Count("pk", filter=~Q(status="vervallen")),
            absences=Count("pk", filter=Q(status="afwezig")),
        )
    }
    rollup = {r.month: r for r in TrajectoryAttendanceMonth.objects.filter(trajectory_id=trajectory_id)}
    assert set(rollup) == set(direct)
    for month, row in direct.items():
        stored = rollup[month]
        assert (stored.offered_minutes, stored.attended_minutes, stored.absent_minutes) == (
            row["offered"] or 0,
            row["attended"],
            row["absent"] or 0,
        )
        assert (stored.lessons, stored.absences) == (
            row["lessons"],
            row["absences"],
        )
