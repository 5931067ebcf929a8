"""Quarterly reports: made on demand and by the scheduled job, shared with the provider."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from inburgering.jobs import run_daily_jobs
from inburgering.tenancy.scoping import Grant, scope, scopes_disabled
from reports import services
from reports.models import QuarterlyReport, ReportStatus, SimulationScenario
from reports.periods import Quarter
from tests.reports.known_data import build_known_data

Q1 = Quarter.parse("2026-K1")


@pytest.fixture
def known(world):
    return build_known_data(world)


def _in_a(world):
    return scope([Grant(tenant_id=world.tenants["a"].pk)])


def test_the_scheduled_job_makes_each_contracts_report_once_after_the_quarter(world, known):
    run_daily_jobs(as_of=date(2026, 4, 2), only=["kwartaalrapportages"])
    with scopes_disabled():
        reports = list(QuarterlyReport.objects.filter(tenant=world.tenants["a"]).order_by("contract__reference"))
    assert [(r.contract.reference, r.quarter_label, r.status) for r in reports] == [
        ("A-2025-09", "2026-K1", ReportStatus.READY),
        ("A-2026-01", "2026-K1", ReportStatus.READY),
    ]
    made = reports[1]
    assert made.generated_at is not None and made.requested_by is None
    assert made.file.read().startswith(b"%PDF")
    assert {kpi["sleutel"] for kpi in made.figures["kpis"]} >= {"aanwezigheid", "examens_behaald"}
    # The next day (and every day after) finds them made: nothing new.
    run_daily_jobs(as_of=date(2026, 4, 3), only=["kwartaalrapportages"])
    with scopes_disabled():
        assert QuarterlyReport.objects.filter(tenant=world.tenants["a"]).count() == 2
    # Tenant b's job never touches tenant a's contracts.
    with scopes_disabled():
        assert not QuarterlyReport.objects.filter(tenant=world.tenants["b"]).exists()


def test_a_report_on_demand_is_made_once_even_when_the_task_runs_twice(world, known):
    with _in_a(world):
        report = services.quarterly_report_request(
            actor=world.users["contract_a"], contract=known.contract, quarter=Q1, today=date(2026, 5, 1)
        )
        first = services.quarterly_report_generate(report_id=report.pk)
        stored = first.file.name
        again = services.quarterly_report_generate(report_id=report.pk)
    assert first.status == again.status == ReportStatus.READY
    assert again.file.name == stored
    assert first.requested_by == world.users["contract_a"]


def test_a_future_quarter_or_one_outside_the_contract_is_refused_in_dutch(world, known):
    with _in_a(world), pytest.raises(ValidationError) as future:
        services.quarterly_report_request(
            actor=world.users["contract_a"], contract=known.contract, quarter=Quarter.parse("2027-K1"),
            today=date(2026, 11, 28),
        )  # fmt: skip
    assert "nog niet begonnen" in str(future.value)
    with _in_a(world), pytest.raises(ValidationError) as outside:
        services.quarterly_report_request(
            actor=world.users["contract_a"], contract=known.contract, quarter=Quarter.parse("2024-K1"),
            today=date(2026, 11, 28),
        )  # fmt: skip
    assert "loopt niet" in str(outside.value)


def test_sharing_opens_the_report_to_the_provider_and_is_audited(world, known):
    with _in_a(world):
        report = services.quarterly_report_request(
            actor=world.users["contract_a"], contract=known.contract, quarter=Q1, today=date(2026, 5, 1)
        )

    def staff_scope():
        return scope([Grant(tenant_id=world.tenants["a"].pk, provider_id=world.providers["a"].pk)])

    with staff_scope():
        assert not QuarterlyReport.objects.filter(pk=report.pk).exists()
    with _in_a(world), pytest.raises(ValidationError):
        services.quarterly_report_share(actor=world.users["contract_a"], report=report, shared=True)  # not made yet
    with _in_a(world):
        report = services.quarterly_report_generate(report_id=report.pk)
        services.quarterly_report_share(actor=world.users["contract_a"], report=report, shared=True)
        history = list(report.history.order_by("history_date"))
    with staff_scope():
        assert QuarterlyReport.objects.filter(pk=report.pk).exists()
    assert history[-1].history_user == world.users["contract_a"]
    assert history[-1].shared_provider_id == world.providers["a"].pk
    with _in_a(world):
        services.quarterly_report_share(actor=world.users["contract_a"], report=report, shared=False)
    with staff_scope():
        assert not QuarterlyReport.objects.filter(pk=report.pk).exists()


def test_a_scenario_is_stored_only_when_saved_and_needs_a_name(world, known):
    with _in_a(world):
        assert not SimulationScenario.objects.exists()
        with pytest.raises(ValidationError):
            services.scenario_save(
                actor=world.users["contract_a"], contract=known.contract, name="  ", start=Q1.start, end=Q1.end,
                parameters={},
            )  # fmt: skip
        scenario = services.scenario_save(
            actor=world.users["contract_a"], contract=known.contract, name="Hoger uurtarief", start=Q1.start,
            end=Q1.end, parameters={"hourly_rate": "50.00"},
        )  # fmt: skip
        assert scenario.history.first().history_user == world.users["contract_a"]
        assert SimulationScenario.objects.get().parameters == {"hourly_rate": "50.00"}
