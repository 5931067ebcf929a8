from datetime import date
from decimal import Decimal

import pytest

from contracts import services
from contracts.models import ContractStatus, FinancingModel
from inburgering.tenancy.scoping import Grant, scope


def contract_fields(**overrides):
    fields = dict(
        reference="A-2026-01",
        title="Taaltrajecten regio A",
        start_date=date(2026, 1, 1),
        end_date=date(2027, 12, 31),
        status=ContractStatus.ACTIVE,
        route_b1=True,
        financing_model=FinancingModel.HOURLY,
        hourly_rate=Decimal("45.00"),
    )
    fields.update(overrides)
    return fields


def make_contract(world, *, tenant="a", provider="a", municipalities=("a1",), actor=None, **overrides):
    tenant_obj = world.tenants[tenant]
    with scope([Grant(tenant_id=tenant_obj.pk)]):
        return services.contract_create(
            actor=actor,
            tenant=tenant_obj,
            municipalities=[world.municipalities[key] for key in municipalities],
            provider=world.providers[provider],
            **contract_fields(**overrides),
        )


@pytest.fixture
def contract(world):
    """Contract of tenant a with provider a, covering municipality a1."""
    return make_contract(world, actor=world.users["contract_a"])


@pytest.fixture
def contract_b(world):
    """Contract of tenant b with the shared provider."""
    return make_contract(
        world,
        tenant="b",
        provider="shared",
        municipalities=("b1",),
        reference="B-2026-01",
        title="Taaltrajecten regio B",
    )
