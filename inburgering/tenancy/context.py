"""What a user may reach: their memberships turned into scope grants and roles per region."""

from __future__ import annotations

from dataclasses import dataclass, field

from inburgering.tenancy.models import Membership, RegionProvider, Role, Tenant
from inburgering.tenancy.scoping import Grant

SESSION_ACTIVE_TENANT = "active_tenant_id"


@dataclass
class TenancyContext:
    """The caller's access for one request; ``active_tenant`` is None only without any access."""

    user: object
    available_tenants: list[Tenant] = field(default_factory=list)
    active_tenant: Tenant | None = None
    roles: frozenset[str] = frozenset()
    roles_by_tenant: dict[int, frozenset[str]] = field(default_factory=dict)
    grants: tuple[Grant, ...] = ()
    provider_ids: frozenset[int] = frozenset()
    municipality_ids: frozenset[int] = frozenset()

    def has_role(self, *roles: str) -> bool:
        """A role anywhere in scope (the browser's scope is the one active region)."""
        return bool(self.roles.intersection(roles))

    def has_role_in(self, tenant_id: int, *roles: str) -> bool:
        """A role in this region: what an API write must check, the API's scope spanning regions."""
        return bool(self.roles_by_tenant.get(tenant_id, frozenset()).intersection(roles))

    @property
    def is_provider_staff(self) -> bool:
        return Role.PROVIDER_STAFF in self.roles


def grants_by_tenant(user) -> dict[int, list[tuple[str, Grant]]]:
    """Every (role, grant) of an active user, per tenant id. Reads unscoped: this is the bootstrap."""
    if user is None or not user.is_authenticated or not user.is_active:
        return {}
    result: dict[int, list[tuple[str, Grant]]] = {}
    memberships = Membership.objects.filter(user=user, is_active=True).only(
        "role", "tenant_id", "provider_id", "municipality_id"
    )
    provider_ids = []
    for membership in memberships:
        if membership.role == Role.PROVIDER_STAFF:
            provider_ids.append(membership.provider_id)
            continue
        grant = Grant(tenant_id=membership.tenant_id, municipality_id=membership.municipality_id)
        result.setdefault(membership.tenant_id, []).append((membership.role, grant))
    if provider_ids:
        links = RegionProvider.unscoped.filter(provider_id__in=provider_ids, is_active=True).values_list(
            "tenant_id", "provider_id"
        )
        for tenant_id, provider_id in links:
            grant = Grant(tenant_id=tenant_id, provider_id=provider_id)
            result.setdefault(tenant_id, []).append((Role.PROVIDER_STAFF, grant))
    return result


def build_context(user, *, active_tenant_id: int | None = None, all_tenants: bool = False) -> TenancyContext:
    """The browser works in one active tenant; the API (``all_tenants``) in all of the caller's."""
    per_tenant = grants_by_tenant(user)
    tenants = list(Tenant.objects.filter(pk__in=per_tenant.keys()).order_by("name"))
    context = TenancyContext(user=user, available_tenants=tenants)
    if not tenants:
        return context
    if all_tenants:
        chosen = list(per_tenant)
    else:
        active = next((t for t in tenants if t.pk == active_tenant_id), tenants[0])
        context.active_tenant = active
        chosen = [active.pk]
    entries = [entry for tenant_id in chosen for entry in per_tenant[tenant_id]]
    context.roles = frozenset(role for role, _ in entries)
    context.roles_by_tenant = {tenant_id: frozenset(role for role, _ in per_tenant[tenant_id]) for tenant_id in chosen}
    context.grants = tuple(dict.fromkeys(grant for _, grant in entries))
    context.provider_ids = frozenset(g.provider_id for g in context.grants if g.provider_id)
    context.municipality_ids = frozenset(g.municipality_id for g in context.grants if g.municipality_id)
    return context
