"""The demo learners: spread, valid BSNs, contract-conform trajectories, history, idempotence."""

from __future__ import annotations

from collections import Counter

import pytest
from django.utils import timezone

from contracts.demo import seed_contracts
from contracts.models import AgeSegment, Route
from inburgering.tenancy.demo import REGIONS, seed_demo
from inburgering.tenancy.models import Tenant
from inburgering.tenancy.scoping import Grant, scope, scopes_disabled
from learning_routes import selectors, services
from learning_routes.bsn import passes_elfproef
from learning_routes.demo import seed_learners
from learning_routes.models import EndReason, ExamComponent, ExamResult, Learner, TermExtension, Trajectory


def _seed() -> list[str]:
    seed_demo()
    seed_contracts()
    return seed_learners()


def _counts() -> tuple[int, ...]:
    with scopes_disabled():
        return (
            Learner.objects.count(),
            Trajectory.objects.count(),
            ExamResult.objects.count(),
            TermExtension.objects.count(),
            Learner.history.count(),
            Trajectory.history.count(),
        )


@pytest.mark.django_db
def test_demo_learners_spread_over_both_regions_with_valid_data():
    created = _seed()
    assert created and created[0].endswith("inburgeraars")
    today = timezone.localdate()
    with scopes_disabled():
        learners = list(Learner.objects.select_related("municipality", "tenant", "case_manager"))
        assert 280 <= len(learners) <= 320
        assert {learner.municipality.cbs_code for learner in learners} == {
            code for _name, members in REGIONS.values() for _m, code in members
        }
        per_municipality = Counter(learner.municipality.cbs_code for learner in learners)
        assert per_municipality.most_common(2)[0][0] == "GM0268"  # Nijmegen, then Velsen
        assert per_municipality.most_common(2)[1][0] == "GM0453"

        bsns = [(learner.tenant_id, learner.bsn) for learner in learners]
        assert all(passes_elfproef(bsn) for _tenant, bsn in bsns)
        assert len(set(bsns)) == len(bsns)

        asylum = sum(learner.is_asylum_permit_holder for learner in learners)
        assert 0.25 * len(learners) <= asylum <= 0.55 * len(learners)
        assert all(learner.pip_date and learner.pip_date < today for learner in learners)
        assert any(learner.phone for learner in learners) and any(learner.email for learner in learners)
        for learner in learners:  # the case manager is the demo one of the learner's own municipality
            if learner.case_manager is not None:
                assert learner.case_manager.memberships.filter(
                    role="case_manager", municipality=learner.municipality
                ).exists()
        assert {learner.municipality.cbs_code for learner in learners if learner.case_manager} == {"GM0268", "GM0453"}

        trajectories = list(Trajectory.objects.select_related("learner", "contract"))
        assert {t.route for t in trajectories} == {Route.B1, Route.Z, Route.EDUCATION}
        assert {t.contract.reference for t in trajectories if t.route == Route.EDUCATION} == {"RVN-2025-02"}
        assert "IJM-2027-01" not in {t.contract.reference for t in trajectories}
        open_trajectories = [t for t in trajectories if t.is_open]
        assert len(open_trajectories) >= 0.8 * len(learners)
        # Downscaled trajectories come from granted requests: the progress demo (tests/progress/test_demo.py).
        assert {t.status for t in open_trajectories} == {"startklas", "actief"}
        assert {services._age_segment_on(t.learner, t.start_date) for t in open_trajectories} == {
            AgeSegment.UNDER_27,
            AgeSegment.FROM_27,
        }
        assert all(t.start_date <= today for t in trajectories)
        assert sum(1 for t in open_trajectories if t.intake_date) >= 0.6 * len(open_trajectories)
        end_reasons = Counter(t.end_reason for t in trajectories if not t.is_open)
        assert end_reasons[EndReason.ROUTE_SWITCH] >= 3
        assert end_reasons[EndReason.PASSED] + end_reasons[EndReason.WORK] >= 3

        results = list(ExamResult.objects.all())
        assert len(results) >= 50
        assert all(r.exam_date <= today for r in results)
        assert any(not r.passed for r in results)
        assert all(r.level == "" for r in results if r.component == ExamComponent.KNM)
        assert {r.level for r in results if r.component != ExamComponent.KNM} >= {"A2", "B1"}
        assert TermExtension.objects.exists()

    for tenant in Tenant.objects.all():
        with scope([Grant(tenant_id=tenant.pk)]):
            # Some integration terms end within six months while the trajectory is still open.
            assert selectors.terms_ending(today=today, months=6).exists()
            # History: every learner was created by a person, through the services.
            assert not Learner.history.filter(history_type="+", history_user=None).exists()


@pytest.mark.django_db
def test_no_demo_trajectory_breaks_its_contract_and_a_second_run_creates_nothing():
    _seed()
    with scopes_disabled():
        open_trajectories = Trajectory.objects.filter(status__in=services.OPEN_STATUSES).select_related(
            "learner__municipality", "contract"
        )
        broken = {t.pk: services.trajectory_contract_errors(t) for t in open_trajectories}
        assert {pk: errors for pk, errors in broken.items() if errors} == {}
        for trajectory in Trajectory.objects.select_related("contract"):
            contract = trajectory.contract
            assert contract.start_date <= trajectory.start_date <= contract.end_date
    before = _counts()
    assert seed_learners() == []
    assert _counts() == before
