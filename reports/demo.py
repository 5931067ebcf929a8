"""Demo quarterly reports and what-if scenarios, after all other demo data (the last seeder).

For every active contract with lessons in them, the quarterly reports of the two full quarters
before the current one (the attendance demo's quarters: today 2026-11-28 → 2026-K2 and 2026-K3),
requested by the region's contract manager and made right away: the demo does not wait for a
worker (like the warning letters of the enforcement demo), so the row is created as
``quarterly_report_request`` creates it and ``quarterly_report_generate`` renders the PDF in this
process, in the tenant's scope as the task runs. The older of the two reports of the hybrid contract
is shared with its provider, and the contract manager saved two what-if scenarios for it.

The reports are made now, with today's data: their "made on" is the moment of seeding, as printed in
the PDF. Deterministic and idempotent: a quarter that has a finished report is skipped (one that
failed is made again, in the same row), as is a scenario whose name the contract already has.
"""

from __future__ import annotations

import time
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from attendance.models import TrajectoryAttendanceMonth
from contracts.models import Contract, ContractStatus
from inburgering.audit import acting_as
from inburgering.tenancy.models import Membership, Role, User
from inburgering.tenancy.scoping import Grant, scope, scopes_disabled
from reports.models import QuarterlyReport, ReportStatus, SimulationScenario
from reports.periods import Quarter
from reports.services import quarterly_report_generate, quarterly_report_share, scenario_save
from reports.simulator import PARAMETER_NAMES, default_parameters

SHARED_CONTRACT = "RVN-2025-01"  # its older report is shared with the provider (De Brug)
SCENARIO_CONTRACT = "RVN-2025-01"  # the hybrid contract with level-step bonuses
SCENARIOS = (
    (
        "Uurtarief € 48,50 met 10% afwezigheidsruimte",
        {"hourly_rate": Decimal("48.50"), "absence_allowance_percentage": Decimal("10")},
    ),
    (
        "Bonus per niveaustap verhoogd",
        {"bonus_a1_a2": Decimal("750.00"), "bonus_a2_b1": Decimal("1750.00"), "bonus_b1_b2": Decimal("2000.00")},
    ),
)


def demo_quarters(today) -> list[Quarter]:
    """The two full quarters before the current one, oldest first."""
    last = Quarter.containing(today).previous()
    return [last.previous(), last]


def _manager(contract: Contract) -> User | None:
    membership = (
        Membership.objects.filter(tenant_id=contract.tenant_id, role=Role.CONTRACT_MANAGER, is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership else None


def _has_lessons(contract: Contract, quarter: Quarter) -> bool:
    return TrajectoryAttendanceMonth.objects.filter(
        trajectory__contract=contract, month__in=quarter.months, offered_minutes__gt=0
    ).exists()


def _report(contract: Contract, quarter: Quarter, manager: User) -> tuple[QuarterlyReport, bool]:
    """The quarter's finished report, made now when there is none; (report, made now)."""
    report = (
        QuarterlyReport.objects.filter(contract=contract, year=quarter.year, quarter=quarter.number)
        .order_by("-requested_at", "-pk")
        .first()
    )
    if report is not None and report.status == ReportStatus.READY:
        return report, False
    if report is None:  # as quarterly_report_request creates it, without queueing the task
        with transaction.atomic(), acting_as(manager):
            report = QuarterlyReport.objects.create(
                tenant_id=contract.tenant_id,
                contract=contract,
                year=quarter.year,
                quarter=quarter.number,
                requested_by=manager,
            )
    return quarterly_report_generate(report_id=report.pk), True


def _scenarios(contract: Contract, manager: User, quarters: list[Quarter]) -> int:
    saved = 0
    base = default_parameters(contract)
    for name, changes in SCENARIOS:
        if SimulationScenario.objects.filter(contract=contract, name=name).exists():
            continue
        parameters = {**base, **changes}
        scenario_save(
            actor=manager,
            contract=contract,
            name=name,
            start=quarters[0].start,
            end=quarters[-1].end,
            parameters={key: str(parameters[key]) for key in PARAMETER_NAMES},
        )
        saved += 1
    return saved


def seed_reports() -> list[str]:
    today = timezone.localdate()
    quarters = demo_quarters(today)
    with scopes_disabled():
        contracts = list(
            Contract.unscoped.filter(status=ContractStatus.ACTIVE, trajectories__isnull=False)
            .select_related("tenant", "provider")
            .distinct()
            .order_by("tenant__slug", "reference")
        )
    made: list[QuarterlyReport] = []
    shared = scenarios = 0
    started = time.perf_counter()
    for contract in contracts:
        with scope([Grant(tenant_id=contract.tenant_id)]):
            manager = _manager(contract)
            if manager is None:
                continue
            for quarter in quarters:
                if quarter.end < contract.start_date or quarter.start > contract.end_date:
                    continue
                if not _has_lessons(contract, quarter):
                    continue
                report, new = _report(contract, quarter, manager)
                if new:
                    made.append(report)
                if (
                    contract.reference == SHARED_CONTRACT
                    and quarter == quarters[0]
                    and report.status == ReportStatus.READY
                    and not report.is_shared
                ):
                    quarterly_report_share(actor=manager, report=report, shared=True)
                    shared += 1
            if contract.reference == SCENARIO_CONTRACT:
                scenarios += _scenarios(contract, manager, quarters)
    seconds = time.perf_counter() - started
    created = []
    if made:
        ready = sum(1 for report in made if report.status == ReportStatus.READY)
        labels = ", ".join(quarter.label for quarter in quarters)
        line = f"{ready} kwartaalrapportages ({labels}) gemaakt in {seconds:.1f} s"
        if ready < len(made):
            line += f", {len(made) - ready} mislukt"
        created.append(line)
    if shared:
        created.append(f"{shared} kwartaalrapportage gedeeld met de taalaanbieder")
    if scenarios:
        created.append(f"{scenarios} wat-als-scenario's")
    return created
