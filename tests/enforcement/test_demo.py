"""The demo absence follow-up: policies per region, classified absences, alerts in every state with a
queue for the coordinator, letters made and handed out, enforcement cases at several steps, made by
the right roles through the services; idempotent, and the daily job adds nothing."""

from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta
from pathlib import Path

from django.core.management import call_command
from django.utils import timezone

from attendance.models import AttendanceRecord
from enforcement.demo import seed_absence_policies, seed_enforcement
from enforcement.models import (
    OPEN_ALERT_STATUSES,
    AbsenceAlert,
    AbsencePolicy,
    CaseStep,
    ClassificationEntry,
    Counting,
    EnforcementCase,
    EnforcementStep,
    LetterStatus,
    WarningLetter,
)
from enforcement.services import month_start
from inburgering.tenancy.scoping import scopes_disabled


def _role_of(user, role: str, **where) -> bool:
    return user.memberships.filter(role=role, is_active=True, **where).exists()


def _counts() -> tuple:
    with scopes_disabled():
        return (
            AbsenceAlert.objects.count(),
            WarningLetter.objects.count(),
            WarningLetter.objects.filter(status=LetterStatus.READY).count(),
            EnforcementCase.objects.count(),
            ClassificationEntry.objects.count(),
            tuple(AbsenceAlert.objects.order_by("pk").values_list("status", "absence_count")),
        )


def test_the_demo_shows_the_absence_follow_up_and_a_second_seed_or_daily_run_adds_nothing(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the demo stores its files like real uploads and letters
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "verzuimsignalen" in out.getvalue()
    today = timezone.localdate()
    this_month = month_start(today)
    previous_month = month_start(this_month.replace(day=1) - timedelta(days=1))
    with scopes_disabled():
        policies = {p.tenant.slug: p for p in AbsencePolicy.objects.filter(contract__isnull=True)}
        assert policies["ijmond"].counting == Counting.ALL and policies["ijmond"].makeup_required
        assert policies["rijk-van-nijmegen"].counting == Counting.UNAUTHORIZED
        assert all(p.threshold_per_month == 3 and p.contact_name and p.contact_details for p in policies.values())

        # Classified by the region's absence coordinator, mostly authorized.
        entries = list(ClassificationEntry.objects.select_related("classified_by", "record"))
        assert entries and all(_role_of(e.classified_by, "absence_coordinator", tenant_id=e.tenant_id) for e in entries)
        classified = Counter(
            AttendanceRecord.objects.exclude(classification="").values_list("classification", flat=True)
        )
        assert classified["geoorloofd"] > classified["ongeoorloofd"] > 0

        alerts = list(AbsenceAlert.objects.select_related("tenant"))
        assert len({a.status for a in alerts}) >= 4
        assert {"nieuw", "in_behandeling", "contact_opgenomen", "vervallen", "afgesloten"} <= {a.status for a in alerts}
        assert {a.outcome for a in alerts if a.status == "afgesloten"} == {"hersteld", "handhaving"}
        for slug in policies:
            queue = [
                a
                for a in alerts
                if a.tenant.slug == slug and a.status in OPEN_ALERT_STATUSES and a.month >= previous_month
            ]
            assert len(queue) >= 15, slug
        in_progress = [a for a in alerts if a.status == "in_behandeling"]
        assert all(a.assigned_to and _role_of(a.assigned_to, "absence_coordinator") for a in in_progress)
        assert all(a.notes.exists() for a in in_progress)
        assert all(a.created_at.date() <= today for a in alerts)
        assert any(a.month == this_month for a in alerts) and any(a.month < previous_month for a in alerts)

        letters = list(WarningLetter.objects.select_related("alert", "handed_out_by"))
        ready = [letter for letter in letters if letter.status == LetterStatus.READY]
        assert len(ready) >= 20
        assert all(Path(letter.file.path).is_file() for letter in ready)
        handed_out = [letter for letter in ready if letter.handed_out_on]
        assert 0 < len(handed_out) < len(ready)
        for letter in handed_out:
            assert _role_of(letter.handed_out_by, "provider_staff", provider_id=letter.provider_id)
            assert timezone.localdate(letter.generated_at) <= letter.handed_out_on <= today

        cases = list(EnforcementCase.objects.select_related("learner", "case_manager"))
        assert len({c.current_step for c in cases}) >= 3
        assert {"open", "afgesloten"} <= {c.status for c in cases}
        assert any(c.outcome == "hersteld" for c in cases)
        for case in cases:
            assert _role_of(case.case_manager, "case_manager", municipality_id=case.learner.municipality_id)
        contact = EnforcementStep.objects.filter(step=CaseStep.CONTACT, skipped=False)
        assert contact.exists() and all(s.underlying_cause and s.support_offered for s in contact)
        fines = list(EnforcementStep.objects.filter(step=CaseStep.FINE, skipped=False).select_related("case"))
        assert fines
        for fine in fines:
            maximum = policies[fine.case.learner.tenant.slug].maximum_fine
            assert 0 < fine.fine_amount <= maximum
        asylum = [
            c
            for c in cases
            if c.learner.is_asylum_permit_holder
            and c.steps.filter(step__in=[CaseStep.PROCEDURE, CaseStep.FINE], skipped=False).exists()
        ]
        assert asylum and all(c.exceptional_ground.strip() for c in asylum)

    # Idempotent: a second seed creates nothing, and neither do two daily runs.
    before = _counts()
    assert seed_absence_policies() == []
    assert seed_enforcement() == []
    assert _counts() == before
    call_command("run_jobs", stdout=io.StringIO())
    call_command("run_jobs", stdout=io.StringIO())
    assert _counts() == before
