"""The demo progress: checkpoints, requests, extensions and warnings in every state, with believable
dates, made by the right roles through the services; idempotent, and the daily job adds nothing."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from attendance.models import AttendanceUpload, TrajectoryAttendanceMonth
from inburgering.tenancy.scoping import scopes_disabled
from inburgering.workdays import add_working_days, working_days_between
from learning_routes.models import Level, Trajectory
from learning_routes.services import OPEN_STATUSES
from progress.demo import seed_progress
from progress.models import Checkpoint, HoursExtension, LevelChangeRequest, MaximumHoursWarning, SkillAssessment


@pytest.fixture
def seeded(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the demo stores its files like real uploads
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _local_date(moment):
    return timezone.localtime(moment).date()


def _role_of(user, role: str, **where) -> bool:
    return user.memberships.filter(role=role, is_active=True, **where).exists()


def _counts() -> tuple[int, ...]:
    with scopes_disabled():
        return (
            Checkpoint.objects.count(),
            SkillAssessment.objects.count(),
            LevelChangeRequest.objects.count(),
            HoursExtension.objects.count(),
            MaximumHoursWarning.objects.count(),
            AttendanceUpload.objects.count(),
        )


def test_the_demo_shows_every_state_with_believable_dates_and_the_right_actors(seeded):
    assert "niveauwijzigingsverzoeken" in seeded
    today = timezone.localdate()
    with scopes_disabled():
        # Hours from real lessons: some learners past 300 and some past 600 attended hours.
        hours = TrajectoryAttendanceMonth.objects.values("trajectory__learner_id").annotate(
            minutes=Sum("attended_minutes")
        )
        assert sum(1 for row in hours if row["minutes"] >= 600 * 60) >= 10
        assert sum(1 for row in hours if 300 * 60 <= row["minutes"] < 600 * 60) >= 10
        assert AttendanceUpload.objects.filter(original_name__contains="historie", rows_new__gt=0).exists()

        checkpoints = list(Checkpoint.objects.select_related("trajectory__contract", "learner", "submitted_by"))
        assert set(Counter(c.status for c in checkpoints)) == {"open", "ingediend", "beoordeeld", "te_laat"}
        assert {c.threshold_hours for c in checkpoints} == {300, 600}
        for checkpoint in checkpoints:
            contract = checkpoint.trajectory.contract
            assert checkpoint.reached_on is not None and checkpoint.reached_on <= checkpoint.known_on <= today
            assert checkpoint.due_date == add_working_days(
                checkpoint.known_on, contract.assessment_deadline_working_days
            )
            if checkpoint.status == "open":
                assert checkpoint.due_date >= today
            if checkpoint.status == "te_laat":
                assert checkpoint.due_date < today and checkpoint.submitted_at is None
            if checkpoint.submitted_at is not None:
                assert checkpoint.known_on <= _local_date(checkpoint.submitted_at) <= today
                assert _role_of(checkpoint.submitted_by, "provider_staff", provider_id=contract.provider_id)
                assert checkpoint.assessments.count() == 4
            if checkpoint.status == "beoordeeld":
                assert checkpoint.reviewed_at >= checkpoint.submitted_at
                assert _role_of(
                    checkpoint.reviewed_by, "case_manager", municipality_id=checkpoint.learner.municipality_id
                )
        submitted = [c for c in checkpoints if c.submitted_at is not None]
        late = sum(1 for c in submitted if c.is_late)
        assert 0 < late < len(submitted) / 2  # mostly on time, some late

        requests = list(LevelChangeRequest.objects.select_related("trajectory__contract", "decided_by"))
        assert {r.status for r in requests} == {"ingediend", "toegekend", "afgewezen"}
        assert any(r.status == "ingediend" and r.due_date < today for r in requests)  # overdue, awaiting a decision
        assert any(r.status == "ingediend" and r.due_date >= today for r in requests)
        assert {r.kind for r in requests} == {"afschalen", "opschalen", "routewissel"}
        assert all(r.trajectory.contract.b2_clause for r in requests if r.kind == "opschalen")
        for request in requests:
            requested_on = _local_date(request.requested_at)
            contract = request.trajectory.contract
            assert request.due_date == add_working_days(requested_on, contract.decision_deadline_working_days)
            assert request.attended_hours >= (contract.downscale_minimum_hours if request.kind == "afschalen" else 0)
            if request.status == "ingediend":
                assert request.decided_at is None
                continue
            assert request.requested_at < request.decided_at <= timezone.now()
            assert request.turnaround_working_days == working_days_between(
                requested_on, _local_date(request.decided_at)
            )
            assert _role_of(
                request.decided_by, "case_manager", municipality_id=request.trajectory.learner.municipality_id
            )
            if request.status == "afgewezen":
                assert request.decision_reason
        decided = [r for r in requests if r.decided_at is not None]
        assert any(r.decided_within_deadline for r in decided) and not all(r.decided_within_deadline for r in decided)

        # Downscaling only through a granted request, per skill for some.
        downscaled = list(Trajectory.objects.filter(status="afgeschaald"))
        assert downscaled and all(t.status in OPEN_STATUSES for t in downscaled)
        granted = {r.trajectory_id for r in requests if r.kind == "afschalen" and r.status == "toegekend"}
        assert {t.pk for t in downscaled} == granted
        assert any(
            Level.A2 in t.targets.values() and Level.B1 in t.targets.values() for t in downscaled
        )  # lowered for some skills only

        extensions = list(HoursExtension.objects.select_related("trajectory__contract", "granted_by"))
        assert extensions and all(e.trajectory.contract.continue_while_progress for e in extensions)
        assert all(e.granted_on <= today for e in extensions)
        assert all(_role_of(e.granted_by, "case_manager") for e in extensions)
        assert MaximumHoursWarning.objects.filter(warned_on__lte=today).exists()


def test_a_second_seed_and_a_second_daily_run_create_nothing(seeded):
    before = _counts()
    assert seed_progress() == []
    assert _counts() == before

    call_command("run_jobs", stdout=io.StringIO())
    with scopes_disabled():
        after_first = Checkpoint.objects.count()
        overdue = Checkpoint.objects.filter(status="te_laat").count()
    call_command("run_jobs", stdout=io.StringIO())
    with scopes_disabled():
        assert Checkpoint.objects.count() == after_first
        assert Checkpoint.objects.filter(status="te_laat").count() == overdue
