"""Writes of the reports app: quarterly reports (requested, made, shared) and saved scenarios."""

from __future__ import annotations

import logging
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import Contract, ContractStatus
from inburgering.audit import acting_as
from reports.models import QuarterlyReport, ReportStatus, SimulationScenario
from reports.periods import Quarter

logger = logging.getLogger(__name__)


def _check_quarter(contract: Contract, quarter: Quarter, *, today: date) -> None:
    if quarter.start > today:
        raise ValidationError({"kwartaal": _("This quarter has not started yet: there is nothing to report.")})
    if quarter.end < contract.start_date or quarter.start > contract.end_date:
        raise ValidationError(
            {
                "kwartaal": _("The contract does not run in %(quarter)s (it runs from %(start)s to %(end)s).")
                % {
                    "quarter": quarter.label,
                    "start": f"{contract.start_date:%d-%m-%Y}",
                    "end": f"{contract.end_date:%d-%m-%Y}",
                }
            }
        )


@transaction.atomic
def quarterly_report_request(
    *, actor, contract: Contract, quarter: Quarter, today: date | None = None
) -> QuarterlyReport:
    """A new generation of the report, made by a worker after commit (the page follows its status)."""
    from reports.tasks import generate_quarterly_report_task

    _check_quarter(contract, quarter, today=today or timezone.localdate())
    with acting_as(actor):
        report = QuarterlyReport.objects.create(
            tenant_id=contract.tenant_id,
            contract=contract,
            year=quarter.year,
            quarter=quarter.number,
            requested_by=actor,
        )
    transaction.on_commit(lambda: generate_quarterly_report_task.delay(report_id=report.pk, tenant_id=report.tenant_id))
    return report


def quarterly_report_generate(*, report_id: int) -> QuarterlyReport:
    """Make the PDF exactly once (a redelivered task finds it ready). A rendering failure marks the
    report failed, logged by id only, and is not raised."""
    from reports.documents import quarterly_report_pdf

    with transaction.atomic():
        report = (
            QuarterlyReport.objects.select_for_update(of=("self",))
            .select_related("contract__provider", "contract__tenant", "tenant")
            .get(pk=report_id)
        )
        if report.status == ReportStatus.READY:
            return report
        generated_at = timezone.now()
        quarter = Quarter.of(report.year, report.quarter)
        try:
            pdf, figures = quarterly_report_pdf(report.contract, quarter, generated_at=generated_at)
        except Exception as error:
            logger.exception("quarterly report %s: rendering failed (%s)", report.pk, type(error).__name__)
            report.status = ReportStatus.FAILED
            report.failure = type(error).__name__
            report.save(update_fields=["status", "failure"])
            return report
        report.file.save("rapportage.pdf", ContentFile(pdf), save=False)
        stored = report.file.name
        try:
            report.figures = {"kpis": figures.kpis_json(), "inburgeraars": figures.learners}
            report.generated_at = generated_at
            report.status = ReportStatus.READY
            report.save(update_fields=["file", "figures", "generated_at", "status"])
        except Exception:
            report.file.storage.delete(stored)  # the transaction rolls back: leave no orphan file
            raise
    return report


@transaction.atomic
def quarterly_report_share(*, actor, report: QuarterlyReport, shared: bool) -> QuarterlyReport:
    """Share a made report with the contract's provider, or take the sharing back."""
    if shared and report.status != ReportStatus.READY:
        raise ValidationError({"gedeeld": _("Only a finished report can be shared.")})
    with acting_as(actor):
        if shared:
            report.shared_provider_id = report.contract.provider_id
            report.shared_at = timezone.now()
            report.shared_by = actor
        else:
            report.shared_provider = None
            report.shared_at = None
            report.shared_by = None
        report.save(update_fields=["shared_provider", "shared_at", "shared_by"])
    return report


def contracts_due_for_report(quarter: Quarter):
    """Contracts that ran during the quarter and have no report for it yet (the scheduled job's list)."""
    made = QuarterlyReport.objects.filter(year=quarter.year, quarter=quarter.number).exclude(status=ReportStatus.FAILED)
    return (
        Contract.objects.filter(start_date__lte=quarter.end, end_date__gte=quarter.start)
        .filter(Q(status=ContractStatus.ACTIVE) | Q(status=ContractStatus.ENDED))
        .exclude(pk__in=made.values("contract_id"))
        .select_related("provider", "tenant")
        .order_by("reference")
    )


def quarterly_reports_make_due(*, tenant, as_of: date) -> list[QuarterlyReport]:
    """After each quarter: one report per contract that ran in it (idempotent: made ones are skipped)."""
    quarter = Quarter.containing(as_of).previous()
    made = []
    for contract in contracts_due_for_report(quarter):
        with transaction.atomic():
            report = QuarterlyReport.objects.create(
                tenant_id=tenant.pk, contract=contract, year=quarter.year, quarter=quarter.number
            )
        made.append(quarterly_report_generate(report_id=report.pk))
    return made


@transaction.atomic
def scenario_save(
    *, actor, contract: Contract, name: str, start: date, end: date, parameters: dict
) -> SimulationScenario:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"naam": _("Give the scenario a name.")})
    with acting_as(actor):
        return SimulationScenario.objects.create(
            tenant_id=contract.tenant_id,
            contract=contract,
            name=name[:120],
            period_start=start,
            period_end=end,
            parameters=parameters,
            created_by=actor,
        )


@transaction.atomic
def scenario_delete(*, actor, scenario: SimulationScenario) -> None:
    with acting_as(actor):
        scenario.delete()
