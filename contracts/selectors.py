"""Reads for contracts: filtered lists, the readable change log, overdue action items."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.utils.formats import number_format
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


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class ChangeLogEntry:
    when: datetime
    who: str
    reason: str
    kind: str  # "created" or "changed"
    changes: list[FieldChange] = field(default_factory=list)


def _display(contract_field, value) -> str:
    if value is None or value == "":
        return "–"
    if contract_field.choices:
        return str(dict(contract_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal):
        return number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "–"
    return str(value)


def contract_change_log(contract: Contract) -> list[ChangeLogEntry]:
    """Every amendment: field, old value → new value, who, when and why (newest first)."""
    records = list(contract.history.select_related("history_user").order_by("history_date", "history_id"))
    provider_names = dict(Provider.objects.filter(pk__in={r.provider_id for r in records}).values_list("pk", "name"))
    entries: list[ChangeLogEntry] = []
    previous = None
    for record in records:
        who = str(record.history_user) if record.history_user else _("system")
        if previous is None:
            entries.append(ChangeLogEntry(record.history_date, who, _("Contract created"), "created"))
        else:
            delta = record.diff_against(previous)
            changes = []
            for change in delta.changes:
                model_field = Contract._meta.get_field(change.field)
                if change.field == "provider":
                    old, new = provider_names.get(change.old, "–"), provider_names.get(change.new, "–")
                else:
                    old, new = _display(model_field, change.old), _display(model_field, change.new)
                changes.append(FieldChange(str(model_field.verbose_name), old, new))
            if changes:
                entries.append(
                    ChangeLogEntry(record.history_date, who, record.history_change_reason or "", "changed", changes)
                )
        previous = record
    coverage = ContractMunicipality.history.filter(contract_id=contract.pk).select_related("history_user")
    names = dict(Municipality.objects.filter(tenant_id=contract.tenant_id).values_list("pk", "name"))
    for record in coverage.order_by("history_date"):
        if record.history_change_reason == CONTRACT_CREATED_REASON:
            continue  # the municipalities chosen at creation belong to the "created" entry
        who = str(record.history_user) if record.history_user else _("system")
        name = names.get(record.municipality_id, "–")
        added = record.history_type == "+"
        entries.append(
            ChangeLogEntry(
                record.history_date,
                who,
                record.history_change_reason or "",
                "changed",
                [FieldChange(str(_("municipalities")), "–" if added else name, name if added else "–")],
            )
        )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries
