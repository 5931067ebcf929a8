"""The demo quarterly reports and scenarios: two full quarters of data, reports made and one shared,
believable figures, and a second seed that creates nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from contracts.models import Contract
from inburgering.tenancy.scoping import scopes_disabled
from reports.demo import demo_quarters, seed_reports
from reports.kpis import quarter_figures
from reports.models import QuarterlyReport, ReportStatus, SimulationScenario
from reports.settlement import LineKind, contract_settlement


@pytest.fixture
def seeded(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the demo stores its files like real uploads and reports
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_the_demo_reports_two_full_quarters_with_believable_figures(seeded):
    assert "kwartaalrapportages" in seeded
    quarters = demo_quarters(timezone.localdate())
    with scopes_disabled():
        contracts = list(Contract.unscoped.filter(status="actief", trajectories__isnull=False).distinct())
        assert len(contracts) == 3
        reports = list(QuarterlyReport.objects.select_related("contract", "requested_by"))
        assert {(r.contract.reference, r.quarter_label) for r in reports} == {
            (contract.reference, quarter.label) for contract in contracts for quarter in quarters
        }
        for report in reports:
            assert report.status == ReportStatus.READY
            assert Path(report.file.path).read_bytes().startswith(b"%PDF")
            assert report.requested_by.memberships.filter(role="contract_manager", tenant=report.tenant).exists()
            assert {item["sleutel"] for item in report.figures["kpis"]} >= {"aanwezigheid", "b1_alle_vaardigheden"}
        shared = [r for r in reports if r.is_shared]
        assert [(r.contract.reference, r.quarter_label) for r in shared] == [("RVN-2025-01", quarters[0].label)]
        assert shared[0].shared_provider_id == shared[0].contract.provider_id
        scenarios = SimulationScenario.objects.filter(contract__reference="RVN-2025-01")
        assert scenarios.count() == 2
        assert all(s.parameters["hourly_rate"] and s.period_start == quarters[0].start for s in scenarios)

        for quarter in quarters:
            figures = quarter_figures(contracts, quarter)
            for contract in contracts:
                item = figures[contract.pk]
                assert 85 <= item.attendance_rate <= 97, (contract.reference, quarter.label)
                assert 60 <= item.exam_pass_rate <= 95, (contract.reference, quarter.label)
                assert item.learners >= 15 and item.b1_cohort >= 10
                settlement = contract_settlement(contract, quarter)
                assert settlement.total >= 10_000, (contract.reference, quarter.label)
            # Over the region's contracts: alerts, B1 on all four skills for some, trajectories passed.
            assert sum(figures[c.pk].alerts for c in contracts) >= 3
            assert sum(figures[c.pk].b1_all_skills for c in contracts) >= 0.15 * sum(
                figures[c.pk].b1_cohort for c in contracts
            )
            assert sum(figures[c.pk].ended_by_reason.get("behaald", 0) for c in contracts) >= 2
            hybrid = next(c for c in contracts if c.reference == "RVN-2025-01")
            kinds = {line.kind for line in contract_settlement(hybrid, quarter).lines}
            assert {LineKind.FIXED, LineKind.BONUS} <= kinds  # new learners and level steps every quarter


def test_a_second_seed_makes_no_reports_or_scenarios(seeded):
    with scopes_disabled():
        before = (QuarterlyReport.objects.count(), SimulationScenario.objects.count())
    assert seed_reports() == []
    with scopes_disabled():
        assert (QuarterlyReport.objects.count(), SimulationScenario.objects.count()) == before
