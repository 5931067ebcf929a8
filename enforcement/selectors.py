"""Reads for absence policies, alerts, letters and enforcement cases."""

from __future__ import annotations

from enforcement.models import AbsencePolicy


def region_policy(tenant_id: int) -> AbsencePolicy:
    """The region's verzuimprotocol; the guide's defaults (unsaved) until the tenant admin sets one."""
    policy = AbsencePolicy.unscoped.filter(tenant_id=tenant_id, contract__isnull=True).first()
    return policy or AbsencePolicy(tenant_id=tenant_id)


def policies_by_contract(tenant_id: int, contract_ids) -> dict[int, AbsencePolicy]:
    """Each contract's own policy where it has one, else the region's."""
    own = {
        policy.contract_id: policy
        for policy in AbsencePolicy.unscoped.filter(tenant_id=tenant_id, contract_id__in=list(contract_ids))
    }
    fallback = region_policy(tenant_id)
    return {contract_id: own.get(contract_id, fallback) for contract_id in contract_ids}


def policy_for_contract(contract) -> AbsencePolicy:
    return policies_by_contract(contract.tenant_id, [contract.pk])[contract.pk]
