"""The contract list page and list endpoints use a fixed number of queries, whatever the rows."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts import services
from inburgering.tenancy.scoping import Grant, scope
from tests.contracts.conftest import make_contract

URLS = ["/contracten", "/api/v1/contracten", "/api/v1/contractevaluaties"]


def _add_contracts(world, start: int, n: int) -> None:
    for number in range(start, start + n):
        contract = make_contract(world, reference=f"A-{number:03d}", municipalities=("a1", "a2"), status="concept")
        with scope([Grant(tenant_id=world.tenants["a"].pk)]):
            evaluation = services.evaluation_create(
                actor=None, contract=contract, date=date(2026, 2, 1), attendees="x", summary=f"Gesprek {number}"
            )
            services.action_item_create(
                actor=None, evaluation=evaluation, description="Actie", owner="Regio", due_date=date(2026, 3, 1)
            )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", URLS)
def test_contract_lists_do_not_grow_queries_with_rows(world, url):
    client = world.client("contract_a")
    _add_contracts(world, 0, 2)
    _queries(client, url)
    before = _queries(client, url)
    _add_contracts(world, 2, 6)
    after = _queries(client, url)
    assert after == before, f"{url}: {before} queries with 2 contracts, {after} with 8"


def test_contract_detail_does_not_grow_queries_with_evaluations(world, contract):
    client = world.client("contract_a")
    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        for month in (1, 2):
            evaluation = services.evaluation_create(
                actor=None, contract=contract, date=date(2026, month, 5), attendees="x", summary="s"
            )
            services.action_item_create(
                actor=None, evaluation=evaluation, description="a", owner="o", due_date=date(2026, 6, 1)
            )
    url = f"/contracten/{contract.pk}"
    _queries(client, url)
    before = _queries(client, url)
    with scope([Grant(tenant_id=world.tenants["a"].pk)]):
        for month in (3, 4, 5):
            evaluation = services.evaluation_create(
                actor=None, contract=contract, date=date(2026, month, 5), attendees="x", summary="s"
            )
            for _ in range(2):
                services.action_item_create(
                    actor=None, evaluation=evaluation, description="a", owner="o", due_date=date(2026, 6, 1)
                )
    assert _queries(client, url) == before
