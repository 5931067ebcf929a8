"""Shared plumbing for API views: role checks per region, query filters, common filter parameters."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError

NOT_ALLOWED = _("Your role does not allow this.")


def tenants_with_role(tenancy, roles: Iterable[str]) -> list[int]:
    wanted = set(roles)
    return [tenant_id for tenant_id, held in tenancy.roles_by_tenant.items() if held & wanted]


class RolesMixin:
    """Role checks per region: the API's scope spans all of the caller's regions."""

    def require_role(self, *roles: str) -> None:
        if not self.request.tenancy.has_role(*roles):
            raise PermissionDenied(NOT_ALLOWED)

    def require_role_in(self, tenant_id: int, *roles: str) -> None:
        if not self.request.tenancy.has_role_in(tenant_id, *roles):
            raise PermissionDenied(NOT_ALLOWED)

    def _input_serializer(self, data, partial: bool) -> serializers.Serializer:
        return self.get_serializer(data=data, partial=partial)

    def only_tenants_with(self, queryset: QuerySet, *roles: str) -> QuerySet:
        """Rows of the regions where the caller holds one of ``roles`` (a user may hold other roles elsewhere)."""
        return queryset.filter(tenant_id__in=tenants_with_role(self.request.tenancy, roles))


def query_filters(params, spec: dict[str, Callable[[str], object]]) -> dict[str, object]:
    """Parse the query filters in ``spec`` (name → parser raising ValueError); all errors at once."""
    values: dict[str, object] = {}
    errors: dict[str, list[str]] = {}
    for name, parse in spec.items():
        raw = params.get(name)
        if raw in (None, ""):
            continue
        try:
            values[name] = parse(raw)
        except ValueError as error:
            errors[name] = [str(error)]
    if errors:
        raise ValidationError(errors)
    return values


def object_id(raw: str) -> int:
    if not raw.isdigit():
        raise ValueError(_("Give the id (a whole number)."))
    return int(raw)


def choice(choices) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in choices.values:
            raise ValueError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(choices.values)})
        return raw

    return parse


def text(raw: str) -> str:
    return raw


FILTER_CONTRACT = OpenApiParameter("contract", int, description=_("Id of a contract."))
FILTER_TRAJECT = OpenApiParameter("traject", int, description=_("Id of a trajectory."))
