"""Shared fixtures: two tenants, three providers (one in both), two municipalities per tenant and
a user per role, so every test can also assert what must not be seen."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.test import Client

from inburgering.tenancy.models import Role
from inburgering.tenancy.scoping import Grant, scope
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    MunicipalityFactory,
    ProviderFactory,
    RegionProviderFactory,
    TenantFactory,
    UserFactory,
)


@dataclass
class World:
    tenants: dict = field(default_factory=dict)
    municipalities: dict = field(default_factory=dict)
    providers: dict = field(default_factory=dict)
    links: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)  # domain objects added by later fixtures

    def client(self, user_key: str) -> Client:
        client = Client()
        client.force_login(self.users[user_key])
        return client


TENANT_ROLE_KEYS = {
    "admin": Role.TENANT_ADMIN,
    "contract": Role.CONTRACT_MANAGER,
    "absence": Role.ABSENCE_COORDINATOR,
    "policy": Role.POLICY_VIEWER,
}


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path_factory):
    """Uploads, letters and attachments of a test go to its own folder, never to var/media."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture
def world(db) -> World:
    """Tenants a and b; municipalities a1, a2, b1, b2; providers shared (in a and b), a, b.

    Users: admin_a, contract_a, absence_a, policy_a, case_a1, case_a2 (and the same for b),
    staff_shared, staff_a, staff_b.
    """
    w = World()
    for key in ("a", "b"):
        tenant = TenantFactory(name=f"Regio {key.upper()}", slug=f"regio-{key}")
        w.tenants[key] = tenant
        for number in (1, 2):
            w.municipalities[f"{key}{number}"] = MunicipalityFactory(
                tenant=tenant, name=f"Gemeente {key.upper()}{number}"
            )
    w.providers["shared"] = ProviderFactory(name="Taalschool Gedeeld")
    w.providers["a"] = ProviderFactory(name="Taalschool Alleen A")
    w.providers["b"] = ProviderFactory(name="Taalschool Alleen B", has_quality_mark=False)
    for tenant_key, provider_key in (("a", "shared"), ("b", "shared"), ("a", "a"), ("b", "b")):
        w.links[f"{tenant_key}-{provider_key}"] = RegionProviderFactory(
            tenant=w.tenants[tenant_key], provider=w.providers[provider_key]
        )
    for key, tenant in w.tenants.items():
        for role_key, role in TENANT_ROLE_KEYS.items():
            user = UserFactory(username=f"{role_key}_{key}")
            MembershipFactory(user=user, role=role, tenant=tenant)
            w.users[f"{role_key}_{key}"] = user
        for number in (1, 2):
            user = UserFactory(username=f"case_{key}{number}")
            MembershipFactory(
                user=user,
                role=Role.CASE_MANAGER,
                tenant=tenant,
                municipality=w.municipalities[f"{key}{number}"],
            )
            w.users[f"case_{key}{number}"] = user
    for provider_key, provider in w.providers.items():
        user = UserFactory(username=f"staff_{provider_key}")
        MembershipFactory(user=user, role=Role.PROVIDER_STAFF, provider=provider)
        w.users[f"staff_{provider_key}"] = user
    return w


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def tenant_scope(world):
    """Enter tenant a's full scope for service-level tests."""
    with scope([Grant(tenant_id=world.tenants["a"].pk)]) as active:
        yield active


def is_postgres() -> bool:
    return connection.vendor == "postgresql"
