"""Reads for regions, municipalities, providers and memberships (all within the active scope)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from inburgering.tenancy.models import (
    Membership,
    Municipality,
    Provider,
    RegionProvider,
    Tenant,
    WorkerHeartbeat,
)
from inburgering.tenancy.scoping import current_scope


def tenants_in_scope() -> QuerySet[Tenant]:
    active = current_scope()
    if active.unrestricted:
        return Tenant.objects.all()
    return Tenant.objects.filter(pk__in=active.tenant_ids)


def municipalities_in_scope() -> QuerySet[Municipality]:
    return Municipality.objects.select_related("tenant").order_by("tenant__name", "name")


def region_providers(*, tenant: Tenant) -> QuerySet[RegionProvider]:
    return RegionProvider.objects.filter(tenant=tenant).select_related("provider").order_by("provider__name")


def providers_in_scope() -> QuerySet[Provider]:
    """Providers working (actively) in the caller's regions; provider staff see only their own."""
    linked = RegionProvider.objects.filter(is_active=True).values("provider_id")
    return Provider.objects.filter(pk__in=linked).order_by("name")


def provider_regions(provider: Provider) -> list[str]:
    """Names of the caller's regions this provider works in (never regions outside the scope)."""
    return list(
        RegionProvider.objects.filter(provider=provider, is_active=True)
        .order_by("tenant__name")
        .values_list("tenant__name", flat=True)
    )


def memberships_of_tenant(*, tenant: Tenant) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(tenant=tenant)
        .select_related("user", "municipality")
        .order_by("user__last_name", "user__first_name", "user__username", "role")
    )


def membership_of_tenant_or_404(*, tenant: Tenant, pk: int) -> Membership:
    return get_object_or_404(memberships_of_tenant(tenant=tenant), pk=pk)


def worker_heartbeats() -> dict[str, WorkerHeartbeat]:
    return {beat.name: beat for beat in WorkerHeartbeat.objects.all()}
