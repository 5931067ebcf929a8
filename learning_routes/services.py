"""Writes for learners, trajectories, exam results, term extensions and the dossier access log."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import AgeSegment, Contract, ContractStatus, Route
from inburgering.audit import acting_as
from inburgering.tenancy.models import Tenant, User
from learning_routes import bsn as bsn_tools
from learning_routes import rules
from learning_routes.models import (
    OPEN_STATUSES,
    DossierAccess,
    DossierAction,
    EndReason,
    ExamResult,
    Learner,
    Level,
    TermExtension,
    Trajectory,
    TrajectoryStatus,
)

LEARNER_NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed
LEARNER_NUMBER_LENGTH = 6

LEARNER_FIELDS = (
    "municipality",
    "first_name",
    "last_name",
    "date_of_birth",
    "phone",
    "email",
    "is_asylum_permit_holder",
    "pip_date",
    "case_manager",
)
TRAJECTORY_FIELDS = (
    "contract",
    "route",
    "status",
    "start_date",
    "end_date",
    "end_reason",
    "dagdelen_per_week",
    "moment_daytime",
    "moment_evening",
    "moment_weekend",
    "moment_online",
    "moment_blended",
    "target_reading",
    "target_listening",
    "target_writing",
    "target_speaking",
    "b2_track",
    "intake_route",
    "intake_learnability",
    "intake_date",
    "intake_advisor",
)
TARGET_FIELDS = ("target_reading", "target_listening", "target_writing", "target_speaking")
# Lesson moment on a trajectory → what the contract must offer for it (guide 3.1).
MOMENT_OFFERS = {
    "moment_daytime": "offers_daytime",
    "moment_evening": "offers_evening",
    "moment_weekend": "offers_weekend",
    "moment_online": "offers_online",
    "moment_blended": "offers_blended",
}
# Default target per skill by route (DOMAIN: B1 on the B1-route; the Z-route aims at self-reliance).
DEFAULT_TARGET_BY_ROUTE = {Route.B1: Level.B1, Route.Z: Level.A1, Route.EDUCATION: Level.B1}


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def new_learner_number(tenant: Tenant) -> str:
    """A pseudonymous number, unique in the tenant, that providers see instead of the BSN."""
    while True:
        candidate = "".join(secrets.choice(LEARNER_NUMBER_ALPHABET) for _ in range(LEARNER_NUMBER_LENGTH))
        if not Learner.unscoped.filter(tenant=tenant, learner_number=candidate).exists():
            return candidate


def _apply_term(learner: Learner) -> None:
    """Integration term: from the day after the PIP, three years (Wi2021), or the latest extension."""
    if learner.pip_date is None:
        learner.integration_term_start = learner.integration_term_end = None
        return
    learner.integration_term_start = learner.pip_date + timedelta(days=1)
    extended = None
    if learner.pk:
        extended = (
            TermExtension.objects.filter(learner=learner)
            .order_by("-new_end_date")
            .values_list("new_end_date", flat=True)
            .first()
        )
    learner.integration_term_end = extended or _add_years(learner.integration_term_start, rules.INTEGRATION_TERM_YEARS)


def _learner_errors(learner: Learner, tenant: Tenant, bsn: str | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    try:
        learner.full_clean(
            exclude=["tenant", "bsn_encrypted", "bsn_hash", "learner_number"], validate_constraints=False
        )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if learner.municipality_id and learner.municipality.tenant_id != tenant.pk:
        errors.setdefault("municipality", []).append(_("Choose a municipality of your region."))
    if (
        learner.case_manager_id
        and not learner.case_manager.memberships.filter(tenant=tenant, role="case_manager", is_active=True).exists()
    ):
        errors.setdefault("case_manager", []).append(_("This person is not a case manager in this region."))
    if bsn is not None:
        try:
            normalised = bsn_tools.validate_bsn(bsn)
        except ValidationError as error:
            errors.setdefault("bsn", []).extend(error.messages)
        else:
            duplicate = Learner.unscoped.filter(tenant=tenant, bsn_hash=bsn_tools.bsn_lookup_hash(normalised))
            if learner.pk:
                duplicate = duplicate.exclude(pk=learner.pk)
            if duplicate.exists():
                # Unscoped on purpose: the BSN is unique in the whole region, whoever may see the other dossier.
                errors.setdefault("bsn", []).append(
                    _("A learner with this BSN is already registered in this region. Search for the existing dossier.")
                )
    if learner.date_of_birth and learner.date_of_birth > timezone.localdate():
        errors.setdefault("date_of_birth", []).append(_("The date of birth lies in the future."))
    if learner.pip_date and learner.pip_date > timezone.localdate():
        errors.setdefault("pip_date", []).append(_("The PIP date lies in the future: record it once the PIP is set."))
    return errors


@transaction.atomic
def learner_create(*, actor: User | None, tenant: Tenant, bsn: str, **fields: Any) -> Learner:
    unknown = set(fields) - set(LEARNER_FIELDS)
    if unknown:
        raise TypeError(f"unknown learner fields: {sorted(unknown)}")
    learner = Learner(tenant=tenant, **fields)
    errors = _learner_errors(learner, tenant, bsn or "")
    if errors:
        raise ValidationError(errors)
    normalised = bsn_tools.validate_bsn(bsn)
    learner.bsn_encrypted = bsn_tools.encrypt_bsn(normalised)
    learner.bsn_hash = bsn_tools.bsn_lookup_hash(normalised)
    learner.learner_number = new_learner_number(tenant)
    _apply_term(learner)
    with acting_as(actor):
        learner.save()
    return learner


@transaction.atomic
def learner_update(*, actor: User | None, learner: Learner, bsn: str | None = None, **fields: Any) -> Learner:
    unknown = set(fields) - set(LEARNER_FIELDS)
    if unknown:
        raise TypeError(f"unknown learner fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(learner, name, value)
    errors = _learner_errors(learner, learner.tenant, bsn)
    if errors:
        raise ValidationError(errors)
    if bsn is not None:
        normalised = bsn_tools.validate_bsn(bsn)
        learner.bsn_encrypted = bsn_tools.encrypt_bsn(normalised)
        learner.bsn_hash = bsn_tools.bsn_lookup_hash(normalised)
    _apply_term(learner)
    with acting_as(actor):
        learner.save()
    return learner


def learner_find_by_bsn(*, tenant: Tenant, bsn: str) -> Learner | None:
    """The learner with this BSN within the caller's scope (the hash finds it without decrypting)."""
    try:
        normalised = bsn_tools.validate_bsn(bsn)
    except ValidationError:
        return None
    return Learner.objects.filter(tenant=tenant, bsn_hash=bsn_tools.bsn_lookup_hash(normalised)).first()


def dossier_access_record(*, user: User, learner: Learner, action: str, via: str = "browser") -> DossierAccess:
    return DossierAccess.objects.create(tenant_id=learner.tenant_id, learner=learner, user=user, action=action, via=via)


@transaction.atomic
def learner_reveal_bsn(*, user: User, learner: Learner, via: str = "browser") -> str:
    """The whole BSN, for a case manager of the learner's municipality; every reveal is logged."""
    dossier_access_record(user=user, learner=learner, action=DossierAction.BSN_REVEALED, via=via)
    return learner.bsn


@transaction.atomic
def term_extension_add(*, actor: User | None, learner: Learner, reason: str, new_end_date: date) -> TermExtension:
    if learner.integration_term_end and new_end_date <= learner.integration_term_end:
        raise ValidationError(
            {
                "new_end_date": _("The new end date must lie after the current end of the term (%(end)s).")
                % {"end": learner.integration_term_end.strftime("%d-%m-%Y")}
            }
        )
    if learner.pip_date is None:
        raise ValidationError({"new_end_date": _("Record the PIP date first: the term starts the day after it.")})
    extension = TermExtension(tenant_id=learner.tenant_id, learner=learner, reason=reason, new_end_date=new_end_date)
    extension.full_clean(exclude=["tenant", "learner"])
    with acting_as(actor):
        extension.save()
        _apply_term(learner)
        learner.save(update_fields=["integration_term_start", "integration_term_end"])
    return extension


# --- Trajectories ----------------------------------------------------------------------------------


def _age_segment_on(learner: Learner, day: date) -> str:
    return AgeSegment.UNDER_27 if learner.age_on(day) < rules.AGE_SEGMENT_BOUNDARY else AgeSegment.FROM_27


def trajectory_contract_errors(trajectory: Trajectory) -> dict[str, list[str]]:
    """Every way the trajectory breaks its contract's conditions, with Dutch messages."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    contract: Contract | None = trajectory.contract if trajectory.contract_id else None
    learner = trajectory.learner
    if contract is None:
        return errors
    reference = contract.reference
    if trajectory.route and trajectory.route not in contract.routes:
        add(
            "route",
            _("Contract %(contract)s does not cover the %(route)s.")
            % {"contract": reference, "route": Route(trajectory.route).label},
        )
    if trajectory.start_date:
        if contract.status != ContractStatus.ACTIVE or not (
            contract.start_date <= trajectory.start_date <= contract.end_date
        ):
            add(
                "start_date",
                _("Contract %(contract)s is not active on %(date)s (it runs %(start)s – %(end)s, status %(status)s).")
                % {
                    "contract": reference,
                    "date": trajectory.start_date.strftime("%d-%m-%Y"),
                    "start": contract.start_date.strftime("%d-%m-%Y"),
                    "end": contract.end_date.strftime("%d-%m-%Y"),
                    "status": contract.get_status_display(),
                },
            )
        if contract.age_segment != AgeSegment.ALL and learner.date_of_birth:
            segment = _age_segment_on(learner, trajectory.start_date)
            if segment != contract.age_segment:
                add(
                    "contract",
                    _("Contract %(contract)s is for learners %(segment)s; this learner is %(age)s at the start.")
                    % {
                        "contract": reference,
                        "segment": contract.get_age_segment_display(),
                        "age": learner.age_on(trajectory.start_date),
                    },
                )
    if trajectory.dagdelen_per_week and trajectory.dagdelen_per_week not in (contract.dagdelen_per_week or []):
        add(
            "dagdelen_per_week",
            _("Contract %(contract)s allows %(allowed)s dayparts per week, not %(chosen)s.")
            % {
                "contract": reference,
                "allowed": ", ".join(str(n) for n in contract.dagdelen_per_week),
                "chosen": trajectory.dagdelen_per_week,
            },
        )
    for moment, offer in MOMENT_OFFERS.items():
        if getattr(trajectory, moment) and not getattr(contract, offer):
            add(
                moment,
                _("Contract %(contract)s does not offer %(moment)s.")
                % {"contract": reference, "moment": Contract._meta.get_field(offer).verbose_name},
            )
    if learner.municipality_id and not contract.coverage.filter(municipality_id=learner.municipality_id).exists():
        add(
            "contract",
            _("Contract %(contract)s does not cover the learner's municipality (%(municipality)s).")
            % {"contract": reference, "municipality": learner.municipality.name},
        )
    if trajectory.b2_track and not contract.b2_clause:
        add(
            "b2_track",
            _("Contract %(contract)s has no B2 clause: a B2 track is not possible.") % {"contract": reference},
        )
    if not trajectory.b2_track:
        for field in TARGET_FIELDS:
            if getattr(trajectory, field) == Level.B2:
                add(field, _("A B2 target needs the B2 track."))
    return errors


def _trajectory_errors(trajectory: Trajectory) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    try:
        trajectory.full_clean(exclude=["tenant", "learner"], validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if trajectory.status == TrajectoryStatus.DOWNSCALED and trajectory.route != Route.B1:
        # Downscaling exists within the B1-route only (Wi2021; guide 1.2).
        errors.setdefault("status", []).append(_("Only a trajectory on the B1 route can be downscaled."))
    if trajectory.end_date and trajectory.start_date and trajectory.end_date < trajectory.start_date:
        errors.setdefault("end_date", []).append(_("The end date cannot lie before the start date."))
    if trajectory.status in OPEN_STATUSES:
        other = (
            Trajectory.unscoped.filter(learner_id=trajectory.learner_id, status__in=OPEN_STATUSES)
            .exclude(pk=trajectory.pk)
            .select_related("contract")
            .first()
        )
        if other is not None:
            errors.setdefault("__all__", []).append(
                _(
                    "This learner already has an open trajectory (%(route)s, contract %(contract)s, since %(start)s). "
                    "End it first, or use a route switch."
                )
                % {
                    "route": other.get_route_display(),
                    "contract": other.contract.reference,
                    "start": other.start_date.strftime("%d-%m-%Y"),
                }
            )
    else:
        if not trajectory.end_date:
            errors.setdefault("end_date", []).append(_("A completed or stopped trajectory has an end date."))
        if not trajectory.end_reason:
            errors.setdefault("end_reason", []).append(_("Give the reason the trajectory ended."))
    for field, messages in trajectory_contract_errors(trajectory).items():
        errors.setdefault(field, []).extend(messages)
    return errors


def _save_trajectory(trajectory: Trajectory, actor: User | None) -> Trajectory:
    errors = _trajectory_errors(trajectory)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic(), acting_as(actor):
            trajectory.save()
    except IntegrityError as error:  # a concurrent second open trajectory: the constraint decides
        raise ValidationError({"__all__": [_("This learner already has an open trajectory.")]}) from error
    return trajectory


@transaction.atomic
def trajectory_create(*, actor: User | None, learner: Learner, **fields: Any) -> Trajectory:
    unknown = set(fields) - set(TRAJECTORY_FIELDS)
    if unknown:
        raise TypeError(f"unknown trajectory fields: {sorted(unknown)}")
    errors = _downscale_by_hand_errors(None, fields.get("status"))
    if errors:
        raise ValidationError(errors)
    route = fields.get("route")
    for target in TARGET_FIELDS:
        if not fields.get(target) and route in DEFAULT_TARGET_BY_ROUTE:
            fields[target] = DEFAULT_TARGET_BY_ROUTE[route]
    trajectory = Trajectory(tenant_id=learner.tenant_id, learner=learner, **fields)
    return _save_trajectory(trajectory, actor)


def _downscale_by_hand_errors(current_status: str | None, new_status: str | None) -> dict[str, list[str]]:
    # Downscaling is the municipality's decision on a request, after the hours minimum (guide 1.2):
    # the status is never set by hand, so the 600-hour rule cannot be bypassed.
    if new_status == TrajectoryStatus.DOWNSCALED and current_status != TrajectoryStatus.DOWNSCALED:
        return {
            "status": [
                _(
                    "Downscaling goes through a level-change request that the municipality grants; "
                    "it cannot be set here."
                )
            ]
        }
    return {}


@transaction.atomic
def trajectory_update(
    *, actor: User | None, trajectory: Trajectory, via_level_change: bool = False, **fields: Any
) -> Trajectory:
    unknown = set(fields) - set(TRAJECTORY_FIELDS)
    if unknown:
        raise TypeError(f"unknown trajectory fields: {sorted(unknown)}")
    if not via_level_change:
        errors = _downscale_by_hand_errors(trajectory.status, fields.get("status"))
        if errors:
            raise ValidationError(errors)
    for name, value in fields.items():
        setattr(trajectory, name, value)
    return _save_trajectory(trajectory, actor)


@transaction.atomic
def trajectory_end(*, actor: User | None, trajectory: Trajectory, end_date: date, end_reason: str) -> Trajectory:
    status = TrajectoryStatus.COMPLETED if end_reason == EndReason.PASSED else TrajectoryStatus.STOPPED
    return trajectory_update(
        actor=actor, trajectory=trajectory, status=status, end_date=end_date, end_reason=end_reason
    )


@transaction.atomic
def trajectory_switch_route(
    *, actor: User | None, trajectory: Trajectory, switch_date: date, **new_fields: Any
) -> Trajectory:
    """A route switch (e.g. B1 ↔ Z) ends the open trajectory and starts the next; both stay in history."""
    if not trajectory.is_open:
        raise ValidationError({"__all__": [_("Only an open trajectory can switch route.")]})
    if switch_date <= trajectory.start_date:
        raise ValidationError(
            {"start_date": [_("The switch date must lie after the start of the current trajectory.")]}
        )
    trajectory_update(
        actor=actor,
        trajectory=trajectory,
        status=TrajectoryStatus.STOPPED,
        end_date=switch_date - timedelta(days=1),
        end_reason=EndReason.ROUTE_SWITCH,
    )
    fields = {
        "contract": trajectory.contract,
        "dagdelen_per_week": trajectory.dagdelen_per_week,
        "status": TrajectoryStatus.ACTIVE,
        **new_fields,
        "start_date": switch_date,
    }
    return trajectory_create(actor=actor, learner=trajectory.learner, **fields)


@transaction.atomic
def exam_result_create(*, actor: User | None, trajectory: Trajectory, **fields: Any) -> ExamResult:
    result = ExamResult(tenant_id=trajectory.tenant_id, trajectory=trajectory, **fields)
    errors: dict[str, list[str]] = {}
    try:
        result.full_clean(exclude=["tenant", "trajectory"])
    except ValidationError as error:
        errors.update(error.message_dict)
    if result.component != "knm" and not result.level:
        errors.setdefault("level", []).append(_("A language exam has a level (A1, A2, B1 or B2)."))
    if result.exam_date and result.exam_date > timezone.localdate():
        errors.setdefault("exam_date", []).append(_("An exam result cannot lie in the future."))
    if errors:
        raise ValidationError(errors)
    with acting_as(actor):
        result.save()
    return result
