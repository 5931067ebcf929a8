"""Reads for contracts: filtered lists, the readable change log, overdue action items."""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from contracts.models import (
    CONTRACT_CREATED_REASON,
    ActionItem,
    ActionItemStatus,
    Contract,
    ContractEvaluation,
    ContractMunicipality,
    Route,
)
from inburgering.history import FieldChange, HistoryEntry, history_entries
from inburgering.tenancy.models import Municipality, Provider

ROUTE_FIELDS = {Route.B1: "route_b1", Route.Z: "route_z", Route.EDUCATION: "route_education"}


def contract_list(
    *, provider_kvk: str | None = None, status: str | None = None, route: str | None = None, search: str | None = None
) -> QuerySet[Contract]:
    contracts = Contract.objects.select_related("provider", "tenant").prefetch_related(
        Prefetch("municipalities", queryset=Municipality.objects.order_by("name"))
    )
    if provider_kvk:
        contracts = contracts.filter(provider__kvk_number=provider_kvk)
    if status:
        contracts = contracts.filter(status=status)
    if route in ROUTE_FIELDS:
        contracts = contracts.filter(**{ROUTE_FIELDS[route]: True})
    if search:
        contracts = contracts.filter(Q(reference__icontains=search) | Q(title__icontains=search))
    return contracts.order_by("-start_date", "reference")


def contract_detail_queryset() -> QuerySet[Contract]:
    return Contract.objects.select_related("provider", "tenant").prefetch_related(
        Prefetch("municipalities", queryset=Municipality.objects.order_by("name")),
        Prefetch(
            "evaluations",
            queryset=ContractEvaluation.objects.order_by("-date").prefetch_related(
                Prefetch("action_items", queryset=ActionItem.objects.order_by("due_date", "pk"))
            ),
        ),
        "findings",
    )


def contract_providers_in_scope() -> QuerySet[Provider]:
    return Provider.objects.filter(pk__in=Contract.objects.values("provider_id")).order_by("name")


def overdue_action_items(*, today: date) -> QuerySet[ActionItem]:
    return (
        ActionItem.objects.filter(status=ActionItemStatus.OPEN, due_date__lt=today)
        .select_related("evaluation__contract")
        .order_by("due_date", "pk")
    )


# --- The change log --------------------------------------------------------------------------------


def contract_change_log(contract: Contract) -> list[HistoryEntry]:
    """Every amendment: field, old value → new value, who, when and why (newest first)."""
    records = list(contract.history.select_related("history_user"))
    provider_names = dict(Provider.objects.filter(pk__in={r.provider_id for r in records}).values_list("pk", "name"))
    entries = history_entries(
        records, Contract, subject=lambda record: record.reference, related_names={"provider": provider_names}
    )
    for entry in entries:
        if entry.kind == "created":
            entry.reason = ""
    names = dict(Municipality.objects.filter(tenant_id=contract.tenant_id).values_list("pk", "name"))
    coverage = ContractMunicipality.history.filter(contract_id=contract.pk).select_related("history_user")
    for record in coverage:
        if record.history_change_reason == CONTRACT_CREATED_REASON:
            continue  # the municipalities chosen at creation belong to the "created" entry
        name = names.get(record.municipality_id, "–")
        added = record.history_type == "+"
        entries.append(
            HistoryEntry(
                record.history_date,
                str(record.history_user) if record.history_user else _("system"),
                "changed",
                contract.reference,
                record.history_change_reason or "",
                [FieldChange(str(_("municipalities")), "–" if added else name, name if added else "–")],
            )
        )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries
