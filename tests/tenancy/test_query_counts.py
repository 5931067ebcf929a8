"""List pages and list endpoints use a fixed number of queries, whatever the number of rows (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    MembershipFactory,
    MunicipalityFactory,
    ProviderFactory,
    RegionProviderFactory,
    UserFactory,
)

LISTS = [
    ("admin_a", "/beheer/gemeenten"),
    ("admin_a", "/beheer/taalaanbieders"),
    ("admin_a", "/beheer/gebruikers"),
    ("admin_a", "/"),
    ("admin_a", "/api/v1/regios"),
    ("admin_a", "/api/v1/gemeenten"),
    ("admin_a", "/api/v1/taalaanbieders"),
]


def _grow(world, n: int) -> None:
    tenant = world.tenants["a"]
    for _ in range(n):
        municipality = MunicipalityFactory(tenant=tenant)
        RegionProviderFactory(tenant=tenant, provider=ProviderFactory())
        MembershipFactory(user=UserFactory(), tenant=tenant, role="case_manager", municipality=municipality)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(("user_key", "url"), LISTS)
def test_list_query_count_does_not_grow_with_rows(world, user_key, url):
    client = world.client(user_key)
    _queries(client, url)  # warm-up: session and content types
    before = _queries(client, url)
    _grow(world, 5)
    after = _queries(client, url)
    assert after == before, f"{url}: {before} queries before, {after} after adding rows"
