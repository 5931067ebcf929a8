"""Demo contracts across both regions, with different financing models, an amendment, quarterly
talks with action items (one overdue) and a provider finding. Idempotent."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from contracts import services
from contracts.models import (
    AgeSegment,
    Contract,
    ContractStatus,
    FinancingModel,
    FindingCategory,
    FindingStatus,
)
from inburgering.tenancy.models import Municipality, Provider, Tenant, User
from inburgering.tenancy.scoping import Grant, scope

CONTRACTS = [
    {
        "tenant": "rijk-van-nijmegen",
        "manager": "nijmegen.contractmanager",
        "provider": "80412345",
        "municipalities": None,  # all of the region
        "fields": dict(
            reference="RVN-2025-01",
            title="Taaltrajecten B1- en Z-route Rijk van Nijmegen",
            start_date=date(2025, 1, 1),
            end_date=date(2027, 12, 31),
            status=ContractStatus.ACTIVE,
            route_b1=True,
            route_z=True,
            b2_clause=True,
            b2_conditions="Opschalen naar B2 na positief advies op het evaluatiemoment van 600 uur.",
            offers_evening=True,
            offers_online=True,
            offers_blended=True,
            max_hours_b1=1200,
            continue_while_progress=True,
            financing_model=FinancingModel.HYBRID,
            fixed_fee_per_learner=Decimal("6500.00"),
            bonus_a1_a2=Decimal("500.00"),
            bonus_a2_b1=Decimal("1000.00"),
            bonus_b1_b2=Decimal("1500.00"),
            volume_under_27_min=40,
            volume_under_27_max=70,
            volume_from_27_min=150,
            volume_from_27_max=220,
            kpi_attendance_percentage=Decimal("85"),
            kpi_b1_all_skills_percentage=Decimal("55"),
            kpi_exam_pass_percentage=Decimal("70"),
            kpi_outflow_percentage=Decimal("40"),
            kpi_checkpoints_on_time_percentage=Decimal("95"),
            kpi_decisions_on_time_percentage=Decimal("90"),
            municipality_contact_name="Mohamed Bakker",
            municipality_contact_email="contract@rijkvannijmegen.example",
            provider_contact_name="Ingrid Peters",
            provider_contact_email="ingrid.peters@debrug.example",
        ),
        "amendment": (
            {"bonus_a2_b1": Decimal("1250.00")},
            "Kwartaalgesprek: bonus A2 → B1 verhoogd om opschalen te belonen (gids 4.3).",
        ),
    },
    {
        "tenant": "rijk-van-nijmegen",
        "manager": "nijmegen.contractmanager",
        "provider": "80498765",
        "municipalities": ["GM0268", "GM0296", "GM0209"],
        "fields": dict(
            reference="RVN-2025-02",
            title="Jongerenaanbod onder 27: B1- en onderwijsroute",
            start_date=date(2025, 3, 1),
            end_date=date(2027, 2, 28),
            status=ContractStatus.ACTIVE,
            route_b1=True,
            route_education=True,
            age_segment=AgeSegment.UNDER_27,
            dagdelen_per_week=[4, 5],
            offers_evening=True,
            max_hours_education=1500,
            financing_model=FinancingModel.HOURLY,
            hourly_rate=Decimal("48.50"),
            absence_allowance_percentage=Decimal("10"),
            extension_municipality_share_percentage=Decimal("50"),
            volume_under_27_min=30,
            volume_under_27_max=60,
            kpi_attendance_percentage=Decimal("90"),
            kpi_outflow_percentage=Decimal("60"),
            municipality_contact_name="Mohamed Bakker",
            provider_contact_name="Sevda Kaya",
            provider_contact_email="s.kaya@nt2gelderland.example",
        ),
    },
    {
        "tenant": "ijmond",
        "manager": "ijmond.contractmanager",
        "provider": "80412345",
        "municipalities": None,
        "fields": dict(
            reference="IJM-2024-01",
            title="Inburgering IJmond: B1- en Z-route",
            start_date=date(2024, 7, 1),
            end_date=date(2026, 12, 31),
            status=ContractStatus.ACTIVE,
            route_b1=True,
            route_z=True,
            dagdelen_per_week=[3, 4, 5],
            offers_weekend=True,
            offers_online=True,
            financing_model=FinancingModel.FIXED,
            fixed_fee_per_learner=Decimal("7200.00"),
            volume_from_27_min=80,
            volume_from_27_max=120,
            volume_under_27_min=15,
            volume_under_27_max=30,
            kpi_attendance_percentage=Decimal("85"),
            kpi_exam_pass_percentage=Decimal("65"),
            municipality_contact_name="Mohamed Bakker",
            provider_contact_name="Ingrid Peters",
        ),
    },
    {
        "tenant": "ijmond",
        "manager": "ijmond.contractmanager",
        "provider": "80455501",
        "municipalities": ["GM0375", "GM0396"],
        "fields": dict(
            reference="IJM-2027-01",
            title="Resultaatgericht B1-aanbod Beverwijk en Heemskerk",
            start_date=date(2027, 1, 1),
            end_date=date(2028, 12, 31),
            status=ContractStatus.DRAFT,
            route_b1=True,
            financing_model=FinancingModel.RESULT,
            result_fee=Decimal("2500.00"),
            bonus_a2_b1=Decimal("750.00"),
            kpi_b1_all_skills_percentage=Decimal("50"),
            provider_contact_name="Jeroen de Groot",
        ),
    },
]


def _evaluations(contract: Contract, actor: User, today: date) -> None:
    if contract.evaluations.exists():
        return
    earlier = services.evaluation_create(
        actor=actor,
        contract=contract,
        date=today - timedelta(days=160),
        attendees="Contractmanager regio, teamleider taalaanbieder, verzuimcoördinator",
        summary="Aanwezigheid stabiel; afschaalverzoeken wachten te lang op een besluit.",
        agreements="Besluiten over afschalen binnen de termijn van het contract.",
    )
    services.action_item_create(
        actor=actor,
        evaluation=earlier,
        description="Overzicht openstaande afschaalverzoeken delen",
        owner="Contractmanager regio",
        due_date=today - timedelta(days=130),
    )
    item = earlier.action_items.get()
    services.action_item_set_status(actor=actor, item=item, status="afgerond")
    recent = services.evaluation_create(
        actor=actor,
        contract=contract,
        date=today - timedelta(days=65),
        attendees="Contractmanager regio, directeur taalaanbieder",
        summary="Avondaanbod groeit; meer inburgeraars halen B1 op spreken dan op schrijven.",
        agreements="Extra schrijfgroep in de avond; verzuimcijfers per maand delen.",
    )
    services.action_item_create(
        actor=actor,
        evaluation=recent,
        description="Verzuimcijfers per maand aanleveren",
        owner="Taalaanbieder",
        due_date=today - timedelta(days=21),
    )
    services.action_item_create(
        actor=actor,
        evaluation=recent,
        description="Plan voor extra schrijfgroep in de avond",
        owner="Taalaanbieder",
        due_date=today + timedelta(days=30),
    )


@transaction.atomic
def seed_contracts() -> list[str]:
    today = timezone.localdate()
    created = []
    for spec in CONTRACTS:
        tenant = Tenant.objects.get(slug=spec["tenant"])
        actor = User.objects.get(username=spec["manager"])
        with scope([Grant(tenant_id=tenant.pk)]):
            contract = Contract.objects.filter(tenant=tenant, reference=spec["fields"]["reference"]).first()
            if contract is None:
                municipalities = Municipality.objects.filter(tenant=tenant)
                if spec["municipalities"]:
                    municipalities = municipalities.filter(cbs_code__in=spec["municipalities"])
                contract = services.contract_create(
                    actor=actor,
                    tenant=tenant,
                    municipalities=list(municipalities),
                    provider=Provider.objects.get(kvk_number=spec["provider"]),
                    **spec["fields"],
                )
                if "amendment" in spec:
                    changes, reason = spec["amendment"]
                    services.contract_update(actor=actor, contract=contract, reason=reason, **changes)
                created.append(contract.reference)
            if contract.status == ContractStatus.ACTIVE and contract.reference.endswith("-01"):
                _evaluations(contract, actor, today)
            if contract.reference == "IJM-2024-01" and not contract.findings.exists():
                services.finding_create(
                    actor=actor,
                    contract=contract,
                    date=today - timedelta(days=40),
                    category=FindingCategory.OFFER_UNAVAILABLE,
                    description="Afgesproken avondlessen in Heemskerk zijn sinds september niet gegeven.",
                    consequence="Herstelplan binnen vier weken; anders korting volgens het contract.",
                    status=FindingStatus.IN_PROGRESS,
                )
    return created
