"""Writes of the verzuimprotocol (AbsencePolicy): the region's policy and a contract's own override
(guide 2.1, 2.4; DOMAIN.md "Absence": every number is a per-tenant or per-contract default).

One place validates a policy, for the browser and any later API alike: the model's field rules
(threshold at least 1, a fine at most the legal €800) plus what a JSON field or free text cannot
say by itself (the culpability mapping, the authorized reasons, the letter's placeholders).
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from attendance.models import Classification, ReportedReason
from enforcement.models import AbsencePolicy, Culpability
from inburgering.audit import acting_as

# What a tenant admin may set; everything else on the model is bookkeeping.
POLICY_FIELDS = (
    "threshold_per_month",
    "counting",
    "partial_attendance_counts",
    "automatic_warning_letter",
    "letter_text",
    "culpability_mapping",
    "authorized_reasons",
    "makeup_required",
    "maximum_fine",
    "contact_name",
    "contact_details",
)

# The placeholders enforcement.letters.letter_placeholders fills, in the order a writer needs them.
LETTER_PLACEHOLDERS = (
    "voornaam",
    "achternaam",
    "deelnemernummer",
    "maand",
    "aantal",
    "verzuimdata",
    "gemeente",
    "regio",
    "contactpersoon",
    "contactgegevens",
)
# Anything between braces on one line: "{Voornaam}" or "{ naam }" is a typo to report, not to print.
BRACED = re.compile(r"\{([^{}\n]*)\}")


def placeholder_list() -> str:
    return ", ".join(f"{{{name}}}" for name in LETTER_PLACEHOLDERS)


def unknown_placeholders(text: str) -> list[str]:
    found = []
    for match in BRACED.finditer(text or ""):
        if match.group(1) not in LETTER_PLACEHOLDERS and match.group(0) not in found:
            found.append(match.group(0))
    return found


def _validate_mapping(value, errors: dict[str, list[str]]) -> dict[str, str]:
    if not isinstance(value, dict) or set(value) != set(Culpability.values):
        errors.setdefault("culpability_mapping", []).append(
            _("Give authorized or unauthorized for each of the four culpability levels.")
        )
        return value
    if any(value[level] not in Classification.values for level in Culpability.values):
        errors.setdefault("culpability_mapping", []).append(
            _("Each culpability level maps to authorized or unauthorized.")
        )
    return {level: value[level] for level in Culpability.values}


def _validate_reasons(value, errors: dict[str, list[str]]) -> list[str]:
    if not isinstance(value, (list, tuple)) or any(reason not in ReportedReason.values for reason in value):
        errors.setdefault("authorized_reasons", []).append(_("Choose the authorized reasons from the list."))
        return value
    return [reason for reason in ReportedReason.values if reason in value]  # fixed order, no doubles


def absence_policy_validate(policy: AbsencePolicy) -> None:
    """Every rule of a policy, as one ValidationError keyed by field."""
    errors: dict[str, list[str]] = {}
    try:
        # The JSON fields are checked below: an empty list of reasons is a valid choice.
        policy.full_clean(exclude=["culpability_mapping", "authorized_reasons"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    policy.culpability_mapping = _validate_mapping(policy.culpability_mapping, errors)
    policy.authorized_reasons = _validate_reasons(policy.authorized_reasons, errors)
    unknown = unknown_placeholders(policy.letter_text)
    if unknown:
        errors.setdefault("letter_text", []).append(
            _("Unknown placeholder(s) %(unknown)s. You can use: %(allowed)s.")
            % {"unknown": ", ".join(unknown), "allowed": placeholder_list()}
        )
    if errors:
        raise ValidationError(errors)


def policy_values(policy: AbsencePolicy) -> dict:
    """The settable values of a policy, the JSON ones copied (a new override starts from these)."""
    values = {name: getattr(policy, name) for name in POLICY_FIELDS}
    values["culpability_mapping"] = dict(values["culpability_mapping"] or {})
    values["authorized_reasons"] = list(values["authorized_reasons"] or [])
    return values


@transaction.atomic
def absence_policy_save(*, actor, tenant, contract=None, **fields) -> AbsencePolicy:
    """Create or change the region's policy (``contract`` None) or a contract's own policy.

    A new contract policy starts as a copy of the region's, so a tenant admin changes only what
    differs. Fields not given keep their value. Audited (simple-history, attributed to ``actor``).
    """
    unknown = sorted(set(fields) - set(POLICY_FIELDS))
    if unknown:
        raise TypeError(f"absence_policy_save() got unknown fields: {', '.join(unknown)}")
    if contract is not None and contract.tenant_id != tenant.pk:
        raise ValidationError({"contract": [_("This contract belongs to another region.")]})
    existing = AbsencePolicy.objects.select_for_update().filter(tenant=tenant)
    existing = existing.filter(contract=contract) if contract is not None else existing.filter(contract__isnull=True)
    policy = existing.first()
    if policy is None:
        policy = AbsencePolicy(tenant=tenant, contract=contract)
        if contract is not None:
            base = AbsencePolicy.objects.filter(tenant=tenant, contract__isnull=True).first()
            for name, value in policy_values(base or AbsencePolicy(tenant=tenant)).items():
                setattr(policy, name, value)
    for name, value in fields.items():
        if name == "maximum_fine" and value is not None and not isinstance(value, Decimal):
            value = Decimal(str(value))
        setattr(policy, name, value)
    absence_policy_validate(policy)
    with acting_as(actor):
        policy.save()
    return policy


@transaction.atomic
def absence_policy_delete_override(*, actor, contract) -> bool:
    """Remove a contract's own policy: the contract follows the region's again. False if it had none."""
    policy = AbsencePolicy.objects.select_for_update().filter(tenant_id=contract.tenant_id, contract=contract).first()
    if policy is None:
        return False
    with acting_as(actor):
        policy.delete()
    return True
