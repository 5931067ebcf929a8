"""Writes for enforcement cases (handhavingszaken), led by the learner's case manager (guide 2.4, 2.5).

A case runs through the steps of CASE_STEP_ORDER in order: warning, contact with the case manager,
three-way talk, enforcement procedure, fine. Enforcement aims at getting the learner back into class,
not at punishment (guide 2.5): the contact step records the underlying cause and the support offered
before anything else happens. A step may be skipped only with a reason, and the skipped steps are
recorded as such. Since 2025 a fine on an asylum permit holder needs exceptional, proven, persistent
unwillingness, which the case manager records on the case before a fine can be proposed (DOMAIN.md
"Legal facts").

Role checks belong to the views and the API; these services take the acting user and record it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enforcement.models import (
    CASE_STEP_ORDER,
    AbsenceAlert,
    AbsencePolicy,
    CaseOutcome,
    CaseStatus,
    CaseStep,
    Culpability,
    EnforcementCase,
    EnforcementStep,
    UnderlyingCause,
)
from enforcement.selectors import policy_for_contract, region_policy
from inburgering.audit import acting_as
from inburgering.tenancy.models import User
from learning_routes.models import OPEN_STATUSES, Learner, Trajectory

# What a step can hold besides its date and skip reason (EnforcementStep's own fields).
DETAIL_FIELDS = frozenset(
    {
        "outcome",
        "underlying_cause",
        "support_offered",
        "attendees",
        "agreements",
        "learner_view",
        "fine_amount",
        "culpability",
        "reduction",
        "decision_date",
        "letter",
    }
)
TEXT_FIELDS = ("outcome", "support_offered", "attendees", "agreements", "learner_view")
FINE_FIELDS = ("fine_amount", "culpability", "reduction", "decision_date")
# The steps that propose or impose a fine: refused for an asylum permit holder without the ground.
FINING_STEPS = (CaseStep.PROCEDURE, CaseStep.FINE)
# The steps whose recording makes a letter to the learner (enforcement.step_letters).
STEP_LETTER_STEPS = (CaseStep.PROCEDURE, CaseStep.FINE)
CLOSING_OUTCOMES = (CaseOutcome.RECOVERED, CaseOutcome.OTHER, CaseOutcome.FINED)
# simple-history's history_change_reason, where the closing note is kept.
CLOSING_NOTE_MAX_LENGTH = 100


class _Errors(dict):
    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)


def _step_index(step: str) -> int:
    return CASE_STEP_ORDER.index(step)


def _next_step(step: str) -> str:
    """The step after `step`; the fine, the last step, stays the current step once recorded."""
    index = _step_index(step)
    return CASE_STEP_ORDER[min(index + 1, len(CASE_STEP_ORDER) - 1)]


def _lock_case(case: EnforcementCase) -> EnforcementCase:
    return EnforcementCase.objects.select_for_update().get(pk=case.pk)


def _fine_needs_ground_message() -> str:
    return _(
        "Since 2025 a fine for an asylum permit holder is possible only for exceptional, proven, persistent "
        "unwillingness. Record that ground on the case first."
    )


def maximum_fine_for(learner: Learner) -> Decimal:
    """The maximum fine of the policy of the learner's open trajectory's contract, else the region's."""
    trajectory = (
        Trajectory.objects.filter(learner_id=learner.pk, status__in=OPEN_STATUSES)
        .select_related("contract")
        .order_by("-start_date", "-pk")
        .first()
    )
    policy: AbsencePolicy = (
        policy_for_contract(trajectory.contract) if trajectory is not None else region_policy(learner.tenant_id)
    )
    return policy.maximum_fine


# ---------------------------------------------------------------------------------------------
# Opening a case
# ---------------------------------------------------------------------------------------------


def _warning_letter_of(alert: AbsenceAlert | None):
    if alert is None:
        return None
    try:
        return alert.letter
    except ObjectDoesNotExist:
        return None


def _letter_date(letter) -> date:
    """When the learner got the warning: handed out, else made, else created."""
    if letter.handed_out_on:
        return letter.handed_out_on
    moment = letter.generated_at or letter.created_at
    return timezone.localdate(moment) if moment else timezone.localdate()


@transaction.atomic
def enforcement_case_open(
    *, actor: User, learner: Learner, alert: AbsenceAlert | None = None, opened_on: date | None = None
) -> EnforcementCase:
    """Open a case with the actor as its case manager; one open case per learner.

    When the alert already has its warning letter, the warning step is recorded from it and the case
    starts at the contact step; otherwise the warning is the step to record first."""
    # Lock the learner: two cases opened at once cannot both pass the "one open case" check.
    learner = Learner.objects.select_for_update().get(pk=learner.pk)
    today = timezone.localdate()
    opened_on = opened_on or today
    errors = _Errors()
    if EnforcementCase.objects.filter(learner_id=learner.pk, status=CaseStatus.OPEN).exists():
        errors.add("learner", _("This learner already has an open enforcement case."))
    if alert is not None and alert.learner_id != learner.pk:
        errors.add("alert", _("This absence alert belongs to another learner."))
    if opened_on > today:
        errors.add("opened_on", _("A case cannot be opened on a date in the future."))
    if errors:
        raise ValidationError(errors)
    letter = _warning_letter_of(alert)
    case = EnforcementCase(
        tenant_id=learner.tenant_id,
        learner=learner,
        alert=alert,
        case_manager=actor,
        status=CaseStatus.OPEN,
        current_step=CaseStep.CONTACT if letter is not None else CaseStep.WARNING,
        opened_on=opened_on,
    )
    with acting_as(actor):
        try:
            case.save()
        except IntegrityError as error:  # one_open_enforcement_case_per_learner, should the lock be bypassed
            raise ValidationError({"learner": [_("This learner already has an open enforcement case.")]}) from error
        if letter is not None:
            EnforcementStep.objects.create(
                tenant_id=case.tenant_id,
                case=case,
                step=CaseStep.WARNING,
                happened_on=min(_letter_date(letter), today),
                actor=actor,
            )
    return case


# ---------------------------------------------------------------------------------------------
# Recording steps
# ---------------------------------------------------------------------------------------------


def _as_amount(value: Any, field: str, errors: _Errors) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.add(field, _("Give an amount in euros, such as 250.00."))
        return None
    if not amount.is_finite():
        errors.add(field, _("Give an amount in euros, such as 250.00."))
        return None
    return amount.quantize(Decimal("0.01"))


def _detail_errors(case: EnforcementCase, step: str, details: dict[str, Any], today: date) -> _Errors:
    """What the step itself must hold (guide 2.4, 2.5); `details` is normalised in place."""
    errors = _Errors()
    for field in TEXT_FIELDS:
        details[field] = (details.get(field) or "").strip()
    if step != CaseStep.FINE:
        for field in FINE_FIELDS:
            if details.get(field) not in (None, ""):
                errors.add(field, _("Only the fine step records a fine."))
    if step == CaseStep.CONTACT:
        if not details["outcome"]:
            errors.add("outcome", _("Record the outcome of the contact with the learner."))
        cause = details.get("underlying_cause") or ""
        if not cause:
            errors.add("underlying_cause", _("Record the underlying cause of the absence."))
        elif cause not in UnderlyingCause.values:
            errors.add("underlying_cause", _("Choose one of the listed underlying causes."))
    elif details.get("underlying_cause") and details["underlying_cause"] not in UnderlyingCause.values:
        errors.add("underlying_cause", _("Choose one of the listed underlying causes."))
    if step == CaseStep.THREE_WAY_TALK:
        if not details["attendees"]:
            errors.add("attendees", _("Record who attended the three-way talk."))
        if not details["agreements"]:
            errors.add("agreements", _("Record the agreements made in the three-way talk."))
    if step == CaseStep.PROCEDURE:
        if not details["learner_view"]:
            errors.add("learner_view", _("Record the learner's view on the intention to fine."))
        if not details["outcome"]:
            errors.add("outcome", _("Record the intention to fine: what is proposed and why."))
    if step == CaseStep.FINE:
        _fine_errors(case, details, today, errors)
    return errors


def _fine_errors(case: EnforcementCase, details: dict[str, Any], today: date, errors: _Errors) -> None:
    amount = _as_amount(details.get("fine_amount"), "fine_amount", errors)
    reduction = _as_amount(details.get("reduction"), "reduction", errors)
    details["fine_amount"], details["reduction"] = amount, reduction
    maximum = maximum_fine_for(case.learner)
    if amount is None:
        if "fine_amount" not in errors:
            errors.add("fine_amount", _("Give the amount of the fine."))
    elif amount <= 0:
        errors.add("fine_amount", _("A fine is more than €0."))
    elif amount > maximum:
        errors.add(
            "fine_amount",
            _("The absence policy allows a fine of at most €%(maximum)s.") % {"maximum": f"{maximum:.2f}"},
        )
    if reduction is not None:
        if reduction < 0:
            errors.add("reduction", _("A reduction cannot be negative."))
        elif amount is not None and reduction > amount:
            errors.add("reduction", _("The reduction cannot be more than the fine."))
    culpability = details.get("culpability") or ""
    if not culpability:
        errors.add("culpability", _("Record the degree of culpability."))
    elif culpability not in Culpability.values:
        errors.add("culpability", _("Choose one of the listed degrees of culpability."))
    decision_date = details.get("decision_date")
    if not decision_date:
        errors.add("decision_date", _("Give the date of the decision to fine."))
    elif decision_date > today:
        errors.add("decision_date", _("The decision date cannot lie in the future."))


@transaction.atomic
def enforcement_step_record(
    *,
    actor: User,
    case: EnforcementCase,
    step: str,
    happened_on: date,
    skip_reason: str = "",
    **details: Any,
) -> EnforcementStep:
    """Record the next step of the case; jumping ahead needs a reason, and the steps jumped over are
    recorded as skipped with that reason. Returns the recorded step."""
    unknown = set(details) - DETAIL_FIELDS
    if unknown:
        raise TypeError(f"unknown enforcement step fields: {sorted(unknown)}")
    case = _lock_case(case)
    today = timezone.localdate()
    skip_reason = (skip_reason or "").strip()
    if case.status != CaseStatus.OPEN:
        raise ValidationError({"__all__": [_("This enforcement case is closed.")]})
    if step not in CaseStep.values:
        raise ValidationError({"step": [_("Choose one of the enforcement steps.")]})
    recorded = list(case.steps.order_by("pk"))
    recorded_steps = {row.step for row in recorded}
    last = max(recorded, key=lambda row: _step_index(row.step), default=None)
    next_index = _step_index(last.step) + 1 if last is not None else 0
    index = _step_index(step)
    errors = _Errors()
    if step in recorded_steps:
        errors.add("step", _("This step was already recorded in this case."))
    elif index < next_index:
        errors.add("step", _("This case is already past this step."))
    skipped = CASE_STEP_ORDER[next_index:index] if index > next_index else []
    if skipped and not skip_reason:
        errors.add(
            "skip_reason",
            _("Give the reason for skipping: %(steps)s.") % {"steps": ", ".join(str(s.label) for s in skipped)},
        )
    if not skipped and skip_reason:
        errors.add("skip_reason", _("No step is skipped; leave the reason for skipping empty."))
    if step == CaseStep.FINE and CaseStep.PROCEDURE in skipped:
        # Awb 4:8: the learner is heard (zienswijze, on the letter of intent) before a fine is imposed.
        errors.add(
            "skip_reason",
            _("A fine needs the enforcement procedure first: the learner gives their view on the intention."),
        )
    if (
        case.learner.is_asylum_permit_holder
        and (step in FINING_STEPS or any(s in FINING_STEPS for s in skipped))
        and not case.exceptional_ground.strip()
    ):
        errors.add("exceptional_ground", _fine_needs_ground_message())
    if not happened_on:
        errors.add("happened_on", _("Give the date of this step."))
    elif happened_on > today:
        errors.add("happened_on", _("A step cannot be recorded on a date in the future."))
    elif last is not None and happened_on < last.happened_on:
        errors.add(
            "happened_on",
            _("This step cannot lie before the previous step (%(date)s).")
            % {"date": last.happened_on.strftime("%d-%m-%Y")},
        )
    for field, messages in _detail_errors(case, step, details, today).items():
        errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    with acting_as(actor):
        for skipped_step in skipped:
            EnforcementStep.objects.create(
                tenant_id=case.tenant_id,
                case=case,
                step=skipped_step,
                happened_on=happened_on,
                actor=actor,
                skipped=True,
                skip_reason=skip_reason,
            )
        letter = details.pop("letter", None)
        row = EnforcementStep(
            tenant_id=case.tenant_id,
            case=case,
            step=step,
            happened_on=happened_on,
            actor=actor,
            **{field: value for field, value in details.items() if value not in (None, "")},
        )
        if letter:
            row.letter = letter
        row.save()
        case.current_step = _next_step(step)
        case.save()
        if not letter and step in STEP_LETTER_STEPS:
            # The letter of the intention to fine or of the fine, in this transaction: a letter that
            # cannot be made stops the step (imported here: step_letters imports this module).
            from enforcement.step_letters import step_letter_attach

            step_letter_attach(row)
    return row


# ---------------------------------------------------------------------------------------------
# Exceptional ground, closing
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def enforcement_exceptional_ground_record(*, actor: User, case: EnforcementCase, ground: str) -> EnforcementCase:
    """The case manager's record of exceptional, proven, persistent unwillingness of an asylum permit
    holder, without which no fine can be proposed for them (since 2025)."""
    case = _lock_case(case)
    ground = (ground or "").strip()
    errors = _Errors()
    if case.status != CaseStatus.OPEN:
        errors.add("__all__", _("This enforcement case is closed."))
    if not case.learner.is_asylum_permit_holder:
        errors.add("__all__", _("An exceptional ground is recorded only for an asylum permit holder."))
    if not ground:
        errors.add(
            "exceptional_ground",
            _("Describe the exceptional, proven, persistent unwillingness and how it was established."),
        )
    if errors:
        raise ValidationError(errors)
    with acting_as(actor):
        case.exceptional_ground = ground
        case.save()
    return case


@transaction.atomic
def enforcement_case_close(
    *, actor: User, case: EnforcementCase, outcome: str, closed_on: date | None = None, note: str = ""
) -> EnforcementCase:
    """Close the case: recovered, other, or fine (only once a fine was recorded). The note is kept with
    the case's history entry (simple-history's change reason)."""
    case = _lock_case(case)
    today = timezone.localdate()
    closed_on = closed_on or today
    note = (note or "").strip()
    errors = _Errors()
    if case.status != CaseStatus.OPEN:
        raise ValidationError({"__all__": [_("This enforcement case is already closed.")]})
    if outcome not in CLOSING_OUTCOMES:
        errors.add("outcome", _("Choose recovered, fine imposed or other."))
    elif outcome == CaseOutcome.FINED and not case.steps.filter(step=CaseStep.FINE, skipped=False).exists():
        errors.add("outcome", _("Record the fine step before closing the case with a fine."))
    if closed_on > today:
        errors.add("closed_on", _("A case cannot be closed on a date in the future."))
    elif closed_on < case.opened_on:
        errors.add(
            "closed_on",
            _("A case cannot be closed before it was opened (%(date)s).")
            % {"date": case.opened_on.strftime("%d-%m-%Y")},
        )
    if len(note) > CLOSING_NOTE_MAX_LENGTH:
        errors.add(
            "note",
            _("Keep the note to at most %(count)s characters.") % {"count": CLOSING_NOTE_MAX_LENGTH},
        )
    if errors:
        raise ValidationError(errors)
    with acting_as(actor):
        case.status = CaseStatus.CLOSED
        case.outcome = outcome
        case.closed_on = closed_on
        if note:
            case._change_reason = note
        case.save()
    return case


def effective_fine(step: EnforcementStep) -> Decimal | None:
    """The fine the learner pays: the amount less any reduction."""
    if step.fine_amount is None:
        return None
    return step.fine_amount - (step.reduction or Decimal("0"))
