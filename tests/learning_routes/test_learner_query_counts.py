"""Learner pages use a fixed number of queries, whatever the number of learners (no N+1)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inburgering.tenancy.scoping import Grant, scope
from learning_routes import services
from tests.learning_routes.conftest import make_learner, make_trajectory

URLS = ["/inburgeraars", "/trajecten", "/termijnbewaking?maanden=36", "/toegangslog"]


def _grow(world, contract, n):
    for _ in range(n):
        learner = make_learner(world)
        trajectory = make_trajectory(learner, contract)
        with scope([Grant(tenant_id=world.tenants["a"].pk)]):
            services.exam_result_create(
                actor=None,
                trajectory=trajectory,
                component="lezen",
                level="A2",
                exam_date=date(2026, 3, 1),
                passed=True,
            )
            services.dossier_access_record(user=world.users["admin_a"], learner=learner, action="bekeken")


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", URLS)
def test_learner_lists_do_not_grow_queries_with_rows(world, contract, url):
    client = world.client("admin_a")
    _grow(world, contract, 2)
    _queries(client, url)
    before = _queries(client, url)
    _grow(world, contract, 5)
    assert _queries(client, url) == before


def test_the_dossier_does_not_grow_queries_with_exam_results(world, contract):
    learner = make_learner(world)
    trajectory = make_trajectory(learner, contract)
    client = world.client("case_a1")

    def add_results(n):
        with scope([Grant(tenant_id=world.tenants["a"].pk)]):
            for _ in range(n):
                services.exam_result_create(
                    actor=None,
                    trajectory=trajectory,
                    component="spreken",
                    level="A2",
                    exam_date=date(2026, 3, 1),
                    passed=False,
                )

    add_results(1)
    url = f"/inburgeraars/{learner.pk}"
    _queries(client, url)
    before = _queries(client, url)
    add_results(4)
    assert _queries(client, url) == before
