import itertools
from datetime import date

import pytest

from inburgering.tenancy.scoping import Grant, scope
from learning_routes import services
from learning_routes.bsn import passes_elfproef
from tests.contracts.conftest import make_contract


def valid_bsns():
    """Endless valid BSNs (elfproef), distinct, deterministic."""
    for number in itertools.count(100000000):
        candidate = f"{number:09d}"
        if passes_elfproef(candidate):
            yield candidate


_bsns = valid_bsns()


def next_bsn() -> str:
    return next(_bsns)


def make_learner(world, *, tenant="a", municipality="a1", bsn=None, **fields):
    tenant_obj = world.tenants[tenant]
    values = dict(first_name="Amal", last_name="Haddad", date_of_birth=date(1990, 5, 17), pip_date=date(2025, 3, 1))
    values.update(fields)
    with scope([Grant(tenant_id=tenant_obj.pk)]):
        return services.learner_create(
            actor=None,
            tenant=tenant_obj,
            bsn=bsn or next_bsn(),
            municipality=world.municipalities[municipality],
            **values,
        )


def make_trajectory(learner, contract, **fields):
    values = dict(contract=contract, route="b1", status="actief", start_date=date(2026, 2, 1), dagdelen_per_week=4)
    values.update(fields)
    with scope([Grant(tenant_id=learner.tenant_id)]):
        return services.trajectory_create(actor=None, learner=learner, **values)


@pytest.fixture
def contract(world):
    return make_contract(world)


@pytest.fixture
def learner(world):
    return make_learner(world, bsn="111222333")


@pytest.fixture
def trajectory(learner, contract):
    return make_trajectory(learner, contract)
