"""Writes for contracts, evaluations, action items and findings. One transaction each, audited."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from contracts.models import (
    CONTRACT_CREATED_REASON,
    ActionItem,
    ActionItemStatus,
    AgeSegment,
    Contract,
    ContractEvaluation,
    ContractMunicipality,
    ContractStatus,
    ProviderFinding,
)
from inburgering.audit import acting_as
from inburgering.tenancy.models import Municipality, RegionProvider, Tenant, User

CONTRACT_FIELDS = tuple(
    field.name
    for field in Contract._meta.concrete_fields
    if field.name not in {"id", "tenant", "created_at", "updated_at"}
)


def _merge(errors: dict[str, list[str]], error: ValidationError) -> None:
    for field, messages in error.message_dict.items():
        errors.setdefault(field, []).extend(messages)


def _route_overlap(contract: Contract) -> Q:
    condition = Q(pk__in=[])
    for field in ("route_b1", "route_z", "route_education"):
        if getattr(contract, field):
            condition |= Q(**{field: True})
    return condition


def _age_overlap(contract: Contract) -> Q:
    if contract.age_segment == AgeSegment.ALL:
        return Q()
    return Q(age_segment__in=[AgeSegment.ALL, contract.age_segment])


def contract_validate(*, contract: Contract, municipalities: Iterable[Municipality]) -> None:
    """All checks at once (fields, agreements, the region's providers, overlapping contracts)."""
    errors: dict[str, list[str]] = {}
    try:
        contract.full_clean(exclude=["tenant"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        _merge(errors, error)
    municipalities = list(municipalities)
    if any(m.tenant_id != contract.tenant_id for m in municipalities):
        errors.setdefault("municipalities", []).append(_("A contract only covers municipalities of its own region."))
    if not municipalities:
        errors.setdefault("municipalities", []).append(_("Choose at least one municipality the contract covers."))
    if (
        contract.provider_id
        and not RegionProvider.objects.filter(
            tenant_id=contract.tenant_id, provider_id=contract.provider_id, is_active=True
        ).exists()
    ):
        errors.setdefault("provider", []).append(
            _(
                "This language provider does not work in the region. "
                "The tenant admin adds it under Beheer → Taalaanbieders."
            )
        )
    if contract.reference and (
        Contract.objects.filter(tenant_id=contract.tenant_id, reference=contract.reference)
        .exclude(pk=contract.pk)
        .exists()
    ):
        errors.setdefault("reference", []).append(
            _("Another contract in this region already has reference %(reference)s.")
            % {"reference": contract.reference}
        )
    if contract.status == ContractStatus.ACTIVE and contract.start_date and contract.end_date and municipalities:
        clash = (
            Contract.objects.filter(
                tenant_id=contract.tenant_id,
                provider_id=contract.provider_id,
                status=ContractStatus.ACTIVE,
                start_date__lte=contract.end_date,
                end_date__gte=contract.start_date,
                coverage__municipality__in=municipalities,
            )
            .filter(_route_overlap(contract))
            .filter(_age_overlap(contract))
            .exclude(pk=contract.pk)
            .order_by("start_date")
            .first()
        )
        if clash is not None:
            errors.setdefault("__all__", []).append(
                _(
                    "Contract %(other)s (%(title)s) with the same provider is already active for an overlapping "
                    "period, route, age segment and municipality. End or change that contract first."
                )
                % {"other": clash.reference, "title": clash.title}
            )
    if errors:
        raise ValidationError(errors)


def _set_coverage(*, contract: Contract, municipalities: list[Municipality], reason: str) -> list[str]:
    """Add and remove covered municipalities; each change is its own history record."""
    current = {row.municipality_id: row for row in ContractMunicipality.objects.filter(contract=contract)}
    wanted = {m.pk: m for m in municipalities}
    changed = []
    for municipality_id, row in current.items():
        if municipality_id not in wanted:
            row._change_reason = reason
            row.delete()
            changed.append(municipality_id)
    for municipality_id in wanted.keys() - current.keys():
        row = ContractMunicipality(tenant_id=contract.tenant_id, contract=contract, municipality_id=municipality_id)
        row._change_reason = reason
        row.save()
        changed.append(municipality_id)
    return changed


@transaction.atomic
def contract_create(
    *, actor: User | None, tenant: Tenant, municipalities: Iterable[Municipality], **fields: Any
) -> Contract:
    unknown = set(fields) - set(CONTRACT_FIELDS)
    if unknown:
        raise TypeError(f"unknown contract fields: {sorted(unknown)}")
    municipalities = list(municipalities)
    contract = Contract(tenant=tenant, **fields)
    contract_validate(contract=contract, municipalities=municipalities)
    with acting_as(actor):
        contract._change_reason = CONTRACT_CREATED_REASON
        contract.save()
        _set_coverage(contract=contract, municipalities=municipalities, reason=CONTRACT_CREATED_REASON)
    return contract


@transaction.atomic
def contract_update(
    *,
    actor: User | None,
    contract: Contract,
    reason: str,
    municipalities: Iterable[Municipality] | None = None,
    **fields: Any,
) -> Contract:
    """Amend a contract. The reason is required and kept with every change in the history."""
    unknown = set(fields) - set(CONTRACT_FIELDS)
    if unknown:
        raise TypeError(f"unknown contract fields: {sorted(unknown)}")
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    for name, value in fields.items():
        setattr(contract, name, value)
    municipalities = list(municipalities) if municipalities is not None else list(contract.municipalities.all())
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = [_("Give the reason for this amendment; it is kept in the change log.")]
    try:
        contract_validate(contract=contract, municipalities=municipalities)
    except ValidationError as error:
        _merge(errors, error)
    if errors:
        raise ValidationError(errors)
    reason = reason.strip()
    with acting_as(actor):
        contract._change_reason = reason
        contract.save()
        _set_coverage(contract=contract, municipalities=municipalities, reason=reason)
    return contract


@transaction.atomic
def evaluation_create(
    *,
    actor: User | None,
    contract: Contract,
    date,
    attendees: str,
    summary: str,
    agreements: str = "",
    year: int | None = None,
    quarter: int | None = None,
) -> ContractEvaluation:
    evaluation = ContractEvaluation(
        tenant_id=contract.tenant_id,
        contract=contract,
        date=date,
        year=year or (date.year if date else None),
        quarter=quarter or ((date.month - 1) // 3 + 1 if date else None),
        attendees=attendees,
        summary=summary,
        agreements=agreements,
    )
    evaluation.full_clean(exclude=["tenant", "contract"])
    with acting_as(actor):
        evaluation.save()
    return evaluation


@transaction.atomic
def action_item_create(
    *, actor: User | None, evaluation: ContractEvaluation, description: str, owner: str, due_date
) -> ActionItem:
    item = ActionItem(
        tenant_id=evaluation.tenant_id, evaluation=evaluation, description=description, owner=owner, due_date=due_date
    )
    item.full_clean(exclude=["tenant", "evaluation"])
    with acting_as(actor):
        item.save()
    return item


@transaction.atomic
def action_item_set_status(*, actor: User | None, item: ActionItem, status: str) -> ActionItem:
    if status not in ActionItemStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    item.status = status
    with acting_as(actor):
        item.save(update_fields=["status"])
    return item


@transaction.atomic
def finding_create(
    *,
    actor: User | None,
    contract: Contract,
    date,
    category: str,
    description: str,
    consequence: str = "",
    status: str | None = None,
) -> ProviderFinding:
    finding = ProviderFinding(
        tenant_id=contract.tenant_id,
        contract=contract,
        date=date,
        category=category,
        description=description,
        consequence=consequence,
    )
    if status:
        finding.status = status
    finding.full_clean(exclude=["tenant", "contract"])
    with acting_as(actor):
        finding.save()
    return finding


@transaction.atomic
def finding_update(*, actor: User | None, finding: ProviderFinding, **fields: Any) -> ProviderFinding:
    for name, value in fields.items():
        setattr(finding, name, value)
    finding.full_clean(exclude=["tenant", "contract"])
    with acting_as(actor):
        finding.save()
    return finding
