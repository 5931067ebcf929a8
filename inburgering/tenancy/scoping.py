"""Fail-closed row-level scoping (after django-scopes and pretix's ScopedManager).

A scope is a set of grants; each grant opens one tenant, optionally narrowed to one provider
(provider staff) or one municipality (case managers). A scoped manager refuses to build a query
when no scope is active, so a forgotten scope is an error, never a leak. A model says how each
dimension reaches it; a dimension a model does not declare shows nothing (fail closed).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy

#: Declares that a dimension does not narrow a model: every row of the tenant is visible.
EVERY_ROW = "__every_row__"


class ScopeError(RuntimeError):
    """A scoped model was queried while no tenant scope was active."""


@dataclass(frozen=True)
class Grant:
    tenant_id: int
    provider_id: int | None = None
    municipality_id: int | None = None


@dataclass(frozen=True)
class Scope:
    grants: tuple[Grant, ...] = ()
    unrestricted: bool = False

    @property
    def tenant_ids(self) -> list[int]:
        return sorted({grant.tenant_id for grant in self.grants})


_current_scope: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("tenant_scope", default=None)


@contextmanager
def scope(grants: Iterable[Grant]) -> Iterator[Scope]:
    active = Scope(grants=tuple(grants))
    token = _current_scope.set(active)
    try:
        yield active
    finally:
        _current_scope.reset(token)


@contextmanager
def scopes_disabled() -> Iterator[Scope]:
    """For platform operators (Django admin), migrations, seeding and scope bootstrapping only."""
    active = Scope(unrestricted=True)
    token = _current_scope.set(active)
    try:
        yield active
    finally:
        _current_scope.reset(token)


def current_scope() -> Scope:
    active = _current_scope.get()
    if active is None:
        raise ScopeError(gettext("No region scope active: a query on region-bound data was refused."))
    return active


def scope_q(model: type[models.Model], active: Scope) -> Q:
    """The filter that limits ``model`` to the rows the grants of ``active`` open."""
    tenant_lookup = model.scope_tenant_lookup
    provider_lookup = getattr(model, "scope_provider_lookup", None)
    municipality_lookup = getattr(model, "scope_municipality_lookup", None)
    combined = Q(pk__in=[])
    for grant in active.grants:
        condition = Q(**{tenant_lookup: grant.tenant_id})
        if grant.provider_id is not None:
            if provider_lookup is None:
                continue
            if provider_lookup != EVERY_ROW:
                condition &= Q(**{provider_lookup: grant.provider_id})
        if grant.municipality_id is not None:
            if municipality_lookup is None:
                continue
            if municipality_lookup != EVERY_ROW:
                condition &= Q(**{municipality_lookup: grant.municipality_id})
        combined |= condition
    return combined


class ScopedManager(models.Manager):
    """Default manager of every tenant-owned model."""

    def get_queryset(self) -> models.QuerySet:
        active = current_scope()
        queryset = super().get_queryset()
        if active.unrestricted:
            return queryset
        condition = scope_q(self.model, active)
        if getattr(self.model, "scope_multivalued", False):
            # A lookup through a to-many relation would repeat rows: filter through a subquery.
            return queryset.filter(pk__in=self.model._base_manager.filter(condition).values("pk"))
        return queryset.filter(condition)


class TenantOwned(models.Model):
    """Abstract base for tenant-owned rows: NOT NULL tenant, scoped default manager.

    Subclasses set ``scope_provider_lookup`` and ``scope_municipality_lookup`` to a lookup path,
    to ``EVERY_ROW``, or leave them ``None`` so provider staff or case managers see nothing.
    """

    tenant = models.ForeignKey(
        "tenancy.Tenant", on_delete=models.PROTECT, related_name="+", verbose_name=gettext_lazy("region")
    )

    scope_tenant_lookup = "tenant_id"
    scope_provider_lookup: str | None = None
    scope_municipality_lookup: str | None = None

    objects = ScopedManager()
    # Explicitly unscoped access, for scope bootstrapping and platform operators; grep-able.
    unscoped = models.Manager()  # noqa: DJ012 (a second manager, not a field)

    class Meta:
        abstract = True
