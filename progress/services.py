"""Writes for checkpoints, level-change requests and hour extensions (guide 1.2, 3.2).

The daily detection is set-based SQL over the monthly attendance rollup: one INSERT … SELECT per
tenant for the checkpoints and one for the maximum-hours warnings; the unique constraints make a
second or concurrent run a no-op (ON CONFLICT DO NOTHING), and RETURNING tells which rows are new,
so notifications go out once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from attendance.models import TrajectoryAttendanceMonth
from contracts.models import Contract, ContractStatus, HoursBasis, Route
from inburgering.audit import acting_as
from inburgering.tenancy.models import Role, Tenant, User
from inburgering.workdays import add_working_days, working_days_between
from learning_routes import services as trajectory_services
from learning_routes.models import LEVEL_ORDER, OPEN_STATUSES, Level, Skill, Trajectory, TrajectoryStatus
from notifications.services import notification_send
from progress import selectors
from progress.models import (
    AWAITING_ASSESSMENT,
    Advice,
    ChangeKind,
    Checkpoint,
    CheckpointStatus,
    Decision,
    HoursExtension,
    LevelChangeRequest,
    MaximumHoursWarning,
    RequestStatus,
    SkillAssessment,
)

MINUTES_PER_HOUR = selectors.MINUTES_PER_HOUR
# Checkpoints whose reached-on date one query computes (bounded parameter count on SQLite).
REACHED_ON_BATCH = 5000
SKILL_FIELD = {
    Skill.READING: "target_reading",
    Skill.LISTENING: "target_listening",
    Skill.WRITING: "target_writing",
    Skill.SPEAKING: "target_speaking",
}


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _open_statuses_sql() -> str:
    return ", ".join(f"'{status}'" for status in OPEN_STATUSES)


# ---------------------------------------------------------------------------------------------
# Recipients
# ---------------------------------------------------------------------------------------------


def provider_staff(provider_id: int) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__role=Role.PROVIDER_STAFF,
            memberships__provider_id=provider_id,
        ).distinct()
    )


def case_managers(*, tenant_id: int, municipality_id: int, assigned: User | None = None) -> list[User]:
    """The learner's own case manager, or else every case manager of the municipality."""
    if assigned is not None and assigned.is_active:
        return [assigned]
    return list(
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__role=Role.CASE_MANAGER,
            memberships__tenant_id=tenant_id,
            memberships__municipality_id=municipality_id,
        ).distinct()
    )


# ---------------------------------------------------------------------------------------------
# Daily detection (run_jobs, beat, and after each processed upload)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DetectionResult:
    checkpoints_created: int
    checkpoints_overdue: int
    warnings_created: int


def _contracts_of(tenant_id: int) -> list[Contract]:
    return list(Contract.unscoped.filter(tenant_id=tenant_id).exclude(status=ContractStatus.DRAFT).order_by("pk"))


def checkpoints_detect(*, tenant: Tenant, as_of: date) -> list[int]:
    """Create the checkpoint of every open trajectory whose learner crossed one of its contract's
    thresholds (guide 1.2), once; returns the new checkpoints' ids.

    The deadline counts the contract's working days from `as_of`, the day the crossing became known
    (DOMAIN.md "Rule semantics")."""
    thresholds = []
    for contract in _contracts_of(tenant.pk):
        due = add_working_days(as_of, contract.assessment_deadline_working_days)
        for hours in contract.checkpoint_hours or []:
            thresholds.append((contract.pk, int(hours), contract.checkpoint_basis, due))
    if not thresholds:
        return []
    values = ", ".join(["(%s, %s, %s, %s)"] * len(thresholds))
    params: list[Any] = [value for row in thresholds for value in row]
    rollup, trajectory, checkpoint = (
        _table(TrajectoryAttendanceMonth),
        _table(Trajectory),
        _table(Checkpoint),
    )
    sql = f"""
        WITH thresholds (contract_id, threshold_hours, hours_basis, due_date) AS (VALUES {values}),
        learner_minutes AS (
            SELECT t.learner_id AS learner_id,
                   SUM(m.attended_minutes) AS attended,
                   SUM(m.offered_minutes) AS offered
            FROM {rollup} m JOIN {trajectory} t ON t.id = m.trajectory_id
            WHERE m.tenant_id = %s
            GROUP BY t.learner_id
        )
        INSERT INTO {checkpoint}
            (tenant_id, learner_id, trajectory_id, threshold_hours, hours_basis, known_on, due_date, status,
             advice, advice_remark, review_remark, created_at)
        SELECT t.tenant_id, t.learner_id, t.id, th.threshold_hours, th.hours_basis, %s, th.due_date, %s,
               '', '', '', %s
        FROM {trajectory} t
        JOIN thresholds th ON th.contract_id = t.contract_id
        JOIN learner_minutes lm ON lm.learner_id = t.learner_id
        WHERE t.tenant_id = %s
          AND t.status IN ({_open_statuses_sql()})
          AND (CASE WHEN th.hours_basis = %s THEN lm.offered ELSE lm.attended END)
              >= th.threshold_hours * {MINUTES_PER_HOUR}
        ON CONFLICT (learner_id, threshold_hours) DO NOTHING
        RETURNING id
    """
    params += [tenant.pk, as_of, CheckpointStatus.OPEN, timezone.now(), tenant.pk, HoursBasis.OFFERED]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        created = [row[0] for row in cursor.fetchall()]
    if created:
        _fill_reached_on(created)
    return created


def _fill_reached_on(checkpoint_ids: list[int]) -> None:
    """The lesson date on which each new checkpoint's threshold was reached.

    Two steps keep it cheap: a running total over the monthly rollup finds the month of the
    crossing and the minutes before it; only that month's lessons are then summed lesson by lesson.
    """
    record_table = _table(_attendance_record_model())
    rollup, trajectory, checkpoint = _table(TrajectoryAttendanceMonth), _table(Trajectory), _table(Checkpoint)
    for start in range(0, len(checkpoint_ids), REACHED_ON_BATCH):
        batch = checkpoint_ids[start : start + REACHED_ON_BATCH]
        marks = ", ".join(["%s"] * len(batch))
        sql = f"""
            WITH new AS (
                SELECT id, learner_id, threshold_hours * {MINUTES_PER_HOUR} AS needed,
                       CASE WHEN hours_basis = %s THEN 1 ELSE 0 END AS offered_basis
                FROM {checkpoint} WHERE id IN ({marks})
            ),
            months AS (
                SELECT t.learner_id AS learner_id, m.month AS month,
                       SUM(m.attended_minutes) AS attended, SUM(m.offered_minutes) AS offered
                FROM {rollup} m JOIN {trajectory} t ON t.id = m.trajectory_id
                WHERE t.learner_id IN (SELECT learner_id FROM new)
                GROUP BY t.learner_id, m.month
            ),
            running_months AS (
                SELECT learner_id, month,
                       SUM(attended) OVER w AS attended_to, SUM(offered) OVER w AS offered_to,
                       SUM(attended) OVER w - attended AS attended_before,
                       SUM(offered) OVER w - offered AS offered_before
                FROM months
                WINDOW w AS (PARTITION BY learner_id ORDER BY month ROWS UNBOUNDED PRECEDING)
            ),
            crossing AS (
                SELECT new.id AS checkpoint_id, new.learner_id AS learner_id, new.needed AS needed,
                       new.offered_basis AS offered_basis, MIN(rm.month) AS month
                FROM new JOIN running_months rm ON rm.learner_id = new.learner_id
                WHERE (CASE WHEN new.offered_basis = 1 THEN rm.offered_to ELSE rm.attended_to END) >= new.needed
                GROUP BY new.id, new.learner_id, new.needed, new.offered_basis
            ),
            lessons AS (
                SELECT c.checkpoint_id AS checkpoint_id, r.lesson_date AS lesson_date,
                       (CASE WHEN c.offered_basis = 1 THEN rm.offered_before ELSE rm.attended_before END)
                       + SUM(CASE WHEN c.offered_basis = 1
                                  THEN (CASE WHEN r.status = 'vervallen' THEN 0 ELSE r.scheduled_minutes END)
                                  ELSE r.attended_minutes END)
                         OVER (PARTITION BY c.checkpoint_id ORDER BY r.lesson_date, r.daypart, r.id
                               ROWS UNBOUNDED PRECEDING) AS total,
                       c.needed AS needed
                FROM crossing c
                JOIN running_months rm ON rm.learner_id = c.learner_id AND rm.month = c.month
                JOIN {trajectory} t ON t.learner_id = c.learner_id
                JOIN {record_table} r ON r.trajectory_id = t.id
                     AND r.lesson_date >= c.month AND r.lesson_date < {_next_month_sql("c.month")}
            )
            SELECT checkpoint_id, MIN(lesson_date) FROM lessons WHERE total >= needed GROUP BY checkpoint_id
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [HoursBasis.OFFERED, *batch])
            reached = cursor.fetchall()
        rows = [
            Checkpoint(pk=checkpoint_id, reached_on=date.fromisoformat(day) if isinstance(day, str) else day)
            for checkpoint_id, day in reached
        ]
        Checkpoint.unscoped.bulk_update(rows, ["reached_on"], batch_size=1000)


def _next_month_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"({column} + INTERVAL '1 month')::date"
    return f"date({column}, '+1 month')"


def _attendance_record_model():
    from attendance.models import AttendanceRecord

    return AttendanceRecord


def checkpoints_mark_overdue(*, tenant: Tenant, as_of: date) -> int:
    return Checkpoint.unscoped.filter(tenant=tenant, status=CheckpointStatus.OPEN, due_date__lt=as_of).update(
        status=CheckpointStatus.OVERDUE
    )


def maximum_warnings_detect(*, tenant: Tenant, as_of: date) -> list[int]:
    """Warn once per trajectory and maximum when the offered hours on its contract reach the
    contract's warning share of its maximum (plus granted extensions; guide 3.2)."""
    limits = []
    for contract in _contracts_of(tenant.pk):
        for route in Route.values:
            maximum = contract.max_hours_for(route)
            if maximum:
                limits.append((contract.pk, route, int(maximum), contract.max_hours_warning_percentage))
    if not limits:
        return []
    values = ", ".join(["(%s, %s, %s, %s)"] * len(limits))
    params: list[Any] = [value for row in limits for value in row]
    rollup, trajectory = _table(TrajectoryAttendanceMonth), _table(Trajectory)
    extension, warning = _table(HoursExtension), _table(MaximumHoursWarning)
    sql = f"""
        WITH limits (contract_id, route, maximum_hours, warning_percentage) AS (VALUES {values}),
        offered AS (
            SELECT t.learner_id AS learner_id, t.contract_id AS contract_id, SUM(m.offered_minutes) AS minutes
            FROM {rollup} m JOIN {trajectory} t ON t.id = m.trajectory_id
            WHERE m.tenant_id = %s
            GROUP BY t.learner_id, t.contract_id
        ),
        extended AS (
            SELECT t.learner_id AS learner_id, t.contract_id AS contract_id, SUM(e.extra_hours) AS hours
            FROM {extension} e JOIN {trajectory} t ON t.id = e.trajectory_id
            WHERE e.tenant_id = %s
            GROUP BY t.learner_id, t.contract_id
        )
        INSERT INTO {warning} (tenant_id, trajectory_id, maximum_hours, offered_hours, warned_on)
        SELECT t.tenant_id, t.id, l.maximum_hours + COALESCE(x.hours, 0), ROUND(o.minutes / 60.0, 2), %s
        FROM {trajectory} t
        JOIN limits l ON l.contract_id = t.contract_id AND l.route = t.route
        JOIN offered o ON o.learner_id = t.learner_id AND o.contract_id = t.contract_id
        LEFT JOIN extended x ON x.learner_id = t.learner_id AND x.contract_id = t.contract_id
        WHERE t.tenant_id = %s
          AND t.status IN ({_open_statuses_sql()})
          AND o.minutes * 100
              >= (l.maximum_hours + COALESCE(x.hours, 0)) * {MINUTES_PER_HOUR} * l.warning_percentage
        ON CONFLICT (trajectory_id, maximum_hours) DO NOTHING
        RETURNING id
    """
    params += [tenant.pk, tenant.pk, as_of, tenant.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


class _Recipients:
    """Provider staff and case managers, each looked up once per detection run."""

    def __init__(self) -> None:
        self._staff: dict[int, list[User]] = {}
        self._case_managers: dict[tuple[int, int], list[User]] = {}

    def provider_staff(self, provider_id: int) -> list[User]:
        if provider_id not in self._staff:
            self._staff[provider_id] = provider_staff(provider_id)
        return self._staff[provider_id]

    def case_managers(self, learner) -> list[User]:
        if learner.case_manager is not None and learner.case_manager.is_active:
            return [learner.case_manager]
        key = (learner.tenant_id, learner.municipality_id)
        if key not in self._case_managers:
            self._case_managers[key] = case_managers(tenant_id=key[0], municipality_id=key[1])
        return self._case_managers[key]


def _group_by_recipient(items, recipients_of) -> dict[int, tuple[User, list]]:
    grouped: dict[int, tuple[User, list]] = {}
    for item in items:
        for user in recipients_of(item):
            grouped.setdefault(user.pk, (user, []))[1].append(item)
    return grouped


def _notify_new_checkpoints(checkpoint_ids: list[int], recipients: _Recipients) -> None:
    """One digest per recipient, however many learners crossed a threshold in this run."""
    rows = Checkpoint.unscoped.filter(pk__in=checkpoint_ids).select_related(
        "tenant", "trajectory__contract", "learner", "learner__case_manager"
    )
    grouped = _group_by_recipient(
        rows,
        lambda c: recipients.provider_staff(c.trajectory.contract.provider_id) + recipients.case_managers(c.learner),
    )
    for user, checkpoints in grouped.values():
        count = len(checkpoints)
        notification_send(
            recipients=[user],
            tenant=checkpoints[0].tenant,
            subject=ngettext(
                "%(count)s new checkpoint to assess",
                "%(count)s new checkpoints to assess",
                count,
            )
            % {"count": count},
            body=_("Learners passed a checkpoint (%(hours)s hours). The provider's assessment is due by %(due)s.")
            % {
                "hours": ", ".join(sorted({str(c.threshold_hours) for c in checkpoints}, key=int)),
                "due": min(c.due_date for c in checkpoints).strftime("%d-%m-%Y"),
            },
            url=reverse("checkpoint_list"),
        )


def _notify_new_warnings(warning_ids: list[int], recipients: _Recipients) -> None:
    rows = MaximumHoursWarning.unscoped.filter(pk__in=warning_ids).select_related(
        "tenant", "trajectory__learner", "trajectory__learner__case_manager", "trajectory__contract"
    )
    grouped = _group_by_recipient(
        rows,
        lambda w: (
            recipients.case_managers(w.trajectory.learner)
            + recipients.provider_staff(w.trajectory.contract.provider_id)
        ),
    )
    for user, warnings in grouped.values():
        if len(warnings) == 1:
            warning = warnings[0]
            subject = _("Learner %(number)s is nearing the maximum lesson hours") % {
                "number": warning.trajectory.learner.learner_number
            }
        else:
            subject = _("%(count)s learners are nearing the maximum lesson hours") % {"count": len(warnings)}
        body = "\n".join(
            _("%(number)s: %(offered)s of %(maximum)s offered hours on contract %(contract)s.")
            % {
                "number": w.trajectory.learner.learner_number,
                "offered": w.offered_hours,
                "maximum": w.maximum_hours,
                "contract": w.trajectory.contract.reference,
            }
            for w in warnings[:20]
        )
        notification_send(
            recipients=[user], tenant=warnings[0].tenant, subject=subject, body=body, url=reverse("level_change_list")
        )


def progress_detect(*, tenant: Tenant, as_of: date) -> DetectionResult:
    """Checkpoints, overdue marks and maximum-hours warnings for one tenant, as of a date."""
    with transaction.atomic():
        created = checkpoints_detect(tenant=tenant, as_of=as_of)
        overdue = checkpoints_mark_overdue(tenant=tenant, as_of=as_of)
        warnings = maximum_warnings_detect(tenant=tenant, as_of=as_of)
        recipients = _Recipients()
        if created:
            _notify_new_checkpoints(created, recipients)
        if warnings:
            _notify_new_warnings(warnings, recipients)
    return DetectionResult(
        checkpoints_created=len(created), checkpoints_overdue=overdue, warnings_created=len(warnings)
    )


# ---------------------------------------------------------------------------------------------
# Checkpoints: the provider assesses, the case manager reviews
# ---------------------------------------------------------------------------------------------


def _require_fields(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


@transaction.atomic
def checkpoint_submit(
    *, actor: User, checkpoint: Checkpoint, assessments: list[dict], advice: str, advice_remark: str = ""
) -> Checkpoint:
    """The provider's assessment per skill and its advice. `assessments`: one dict per skill with
    `skill`, `current_level`, `on_track` and optional `remark`."""
    checkpoint = Checkpoint.objects.select_for_update().get(pk=checkpoint.pk)
    errors: dict[str, list[str]] = {}
    if checkpoint.status not in AWAITING_ASSESSMENT:
        raise ValidationError({"__all__": [_("This checkpoint was already submitted.")]})
    if advice not in Advice.values:
        _require_fields(errors, "advice", _("Choose an advice: continue, downscale, upscale or route switch."))
    seen: dict[str, dict] = {}
    for item in assessments:
        skill = item.get("skill")
        if skill not in Skill.values:
            _require_fields(errors, "assessments", _("Unknown skill '%(skill)s'.") % {"skill": skill})
            continue
        if skill in seen:
            _require_fields(
                errors, "assessments", _("The skill %(skill)s is given twice.") % {"skill": Skill(skill).label}
            )
            continue
        if item.get("current_level") not in Level.values:
            _require_fields(
                errors,
                "assessments",
                _("Give the current level (A1, A2, B1 or B2) for %(skill)s.") % {"skill": Skill(skill).label},
            )
        if not isinstance(item.get("on_track"), bool):
            _require_fields(
                errors,
                "assessments",
                _("Say whether %(skill)s is on track (yes or no).") % {"skill": Skill(skill).label},
            )
        seen[skill] = item
    missing = [Skill(skill).label for skill in Skill.values if skill not in seen]
    if missing and not errors.get("assessments"):
        _require_fields(
            errors,
            "assessments",
            _("Assess every skill; missing: %(skills)s.") % {"skills": ", ".join(str(label) for label in missing)},
        )
    if advice in (Advice.DOWNSCALE, Advice.UPSCALE, Advice.ROUTE_SWITCH) and not advice_remark.strip():
        _require_fields(errors, "advice_remark", _("Explain the advice to downscale, upscale or switch route."))
    if errors:
        raise ValidationError(errors)
    with acting_as(actor):
        for skill in Skill.values:
            item = seen[skill]
            SkillAssessment.objects.create(
                tenant_id=checkpoint.tenant_id,
                checkpoint=checkpoint,
                skill=skill,
                current_level=item["current_level"],
                on_track=item["on_track"],
                remark=(item.get("remark") or "").strip(),
            )
        checkpoint.advice = advice
        checkpoint.advice_remark = advice_remark.strip()
        checkpoint.status = CheckpointStatus.SUBMITTED
        checkpoint.submitted_by = actor
        checkpoint.submitted_at = timezone.now()
        checkpoint.save()
    learner = checkpoint.learner
    notification_send(
        recipients=case_managers(
            tenant_id=checkpoint.tenant_id, municipality_id=learner.municipality_id, assigned=learner.case_manager
        ),
        tenant=checkpoint.tenant,
        subject=_("Checkpoint %(hours)s hours of %(number)s submitted")
        % {"hours": checkpoint.threshold_hours, "number": learner.learner_number},
        body=_("Advice: %(advice)s.") % {"advice": checkpoint.get_advice_display()},
        url=checkpoint.get_absolute_url(),
    )
    return checkpoint


@transaction.atomic
def checkpoint_review(*, actor: User, checkpoint: Checkpoint, remark: str = "") -> Checkpoint:
    checkpoint = Checkpoint.objects.select_for_update().get(pk=checkpoint.pk)
    if checkpoint.status != CheckpointStatus.SUBMITTED:
        raise ValidationError({"__all__": [_("Only a submitted checkpoint can be reviewed.")]})
    with acting_as(actor):
        checkpoint.status = CheckpointStatus.REVIEWED
        checkpoint.reviewed_by = actor
        checkpoint.reviewed_at = timezone.now()
        checkpoint.review_remark = remark.strip()
        checkpoint.save()
    return checkpoint


# ---------------------------------------------------------------------------------------------
# Level-change requests: the provider asks, the municipality decides
# ---------------------------------------------------------------------------------------------


def _level_index(level: str) -> int:
    return LEVEL_ORDER.index(level)


def _format_hours(hours: Decimal) -> str:
    return f"{hours.normalize():f}".replace(".", ",")


def level_change_errors(
    *, trajectory: Trajectory, kind: str, skill_changes: list[dict], new_route: str, request_id: int | None = None
) -> dict[str, list[str]]:
    """Every reason the request cannot be made, each stating what is missing (guide 1.2)."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    contract = trajectory.contract
    if not trajectory.is_open:
        add("trajectory", _("Only an open trajectory can change level or route."))
    pending = LevelChangeRequest.objects.filter(trajectory=trajectory, status=RequestStatus.SUBMITTED)
    if pending.exclude(pk=request_id).exists():
        add("trajectory", _("This trajectory already has a request awaiting a decision."))
    if kind not in ChangeKind.values:
        add("kind", _("Choose downscale, upscale or route switch."))
        return errors
    if kind == ChangeKind.ROUTE_SWITCH:
        if new_route not in Route.values:
            add("new_route", _("Choose the new route."))
        elif new_route == trajectory.route:
            add("new_route", _("The learner is already on the %(route)s.") % {"route": Route(new_route).label})
        elif new_route not in contract.routes:
            add(
                "new_route",
                _("Contract %(contract)s does not cover the %(route)s.")
                % {"contract": contract.reference, "route": Route(new_route).label},
            )
        if skill_changes:
            add("skill_changes", _("A route switch does not change skills; leave them empty."))
        return errors
    _skill_change_errors(trajectory, kind, skill_changes, add)
    if kind == ChangeKind.DOWNSCALE:
        # Wi2021 / guide 1.2: within the B1-route, after the contract's minimum of attended hours
        # (never below the legal 600), at a provider with the Blik op Werk quality mark.
        if trajectory.route != Route.B1:
            add(
                "kind",
                _("Downscaling is only possible on the B1 route; this trajectory is on the %(route)s.")
                % {"route": trajectory.get_route_display()},
            )
        hours = selectors.learner_hours(trajectory.learner_id).attended_hours
        minimum = Decimal(contract.downscale_minimum_hours)
        if hours < minimum:
            add(
                "kind",
                _(
                    "Downscaling needs at least %(minimum)s attended hours; the learner has %(hours)s, "
                    "%(missing)s hours short."
                )
                % {
                    "minimum": contract.downscale_minimum_hours,
                    "hours": _format_hours(hours),
                    "missing": _format_hours(minimum - hours),
                },
            )
        if not contract.provider.has_quality_mark:
            add(
                "kind",
                _("Downscaling needs a language provider with the Blik op Werk quality mark; %(provider)s has none.")
                % {"provider": contract.provider.name},
            )
    return errors


def _skill_change_errors(trajectory: Trajectory, kind: str, skill_changes: list[dict], add) -> None:
    if not isinstance(skill_changes, list) or not skill_changes:
        add("skill_changes", _("Name at least one skill with its current and new level."))
        return
    targets = trajectory.targets
    seen = set()
    for change in skill_changes:
        skill, from_level, to_level = change.get("skill"), change.get("from"), change.get("to")
        if skill not in Skill.values:
            add("skill_changes", _("Unknown skill '%(skill)s'.") % {"skill": skill})
            continue
        label = Skill(skill).label
        if skill in seen:
            add("skill_changes", _("The skill %(skill)s is given twice.") % {"skill": label})
            continue
        seen.add(skill)
        if from_level not in Level.values or to_level not in Level.values:
            add("skill_changes", _("Give levels A1, A2, B1 or B2 for %(skill)s.") % {"skill": label})
            continue
        if from_level != targets[skill]:
            add(
                "skill_changes",
                _("The current target for %(skill)s is %(target)s, not %(given)s.")
                % {"skill": label, "target": targets[skill], "given": from_level},
            )
        if kind == ChangeKind.DOWNSCALE and _level_index(to_level) >= _level_index(from_level):
            add("skill_changes", _("Downscaling lowers the level of %(skill)s.") % {"skill": label})
        if kind == ChangeKind.UPSCALE:
            if _level_index(to_level) <= _level_index(from_level):
                add("skill_changes", _("Upscaling raises the level of %(skill)s.") % {"skill": label})
            elif to_level == Level.B2 and not trajectory.contract.b2_clause:
                add(
                    "skill_changes",
                    _("Upscaling towards B2 needs a B2 clause in contract %(contract)s.")
                    % {"contract": trajectory.contract.reference},
                )


@transaction.atomic
def level_change_request_create(
    *,
    actor: User,
    trajectory: Trajectory,
    kind: str,
    motivation: str,
    skill_changes: list[dict] | None = None,
    new_route: str = "",
    evidence: str = "",
    evidence_file=None,
    checkpoint: Checkpoint | None = None,
) -> LevelChangeRequest:
    # Lock the trajectory: two requests submitted at once cannot both pass the "one open request" check.
    trajectory = (
        Trajectory.objects.select_for_update().select_related("contract__provider", "learner").get(pk=trajectory.pk)
    )
    skill_changes = skill_changes or []
    errors = level_change_errors(trajectory=trajectory, kind=kind, skill_changes=skill_changes, new_route=new_route)
    if not motivation.strip():
        errors.setdefault("motivation", []).append(_("Explain why the level or route should change."))
    if checkpoint is not None and checkpoint.trajectory_id != trajectory.pk:
        errors.setdefault("checkpoint", []).append(_("This checkpoint belongs to another trajectory."))
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    request = LevelChangeRequest(
        tenant_id=trajectory.tenant_id,
        trajectory=trajectory,
        checkpoint=checkpoint,
        kind=kind,
        skill_changes=[{"skill": c["skill"], "from": c["from"], "to": c["to"]} for c in skill_changes],
        new_route=new_route if kind == ChangeKind.ROUTE_SWITCH else "",
        motivation=motivation.strip(),
        evidence=evidence.strip(),
        attended_hours=selectors.learner_hours(trajectory.learner_id).attended_hours,
        requested_by=actor,
        requested_at=now,
        due_date=add_working_days(timezone.localdate(now), trajectory.contract.decision_deadline_working_days),
    )
    if evidence_file is not None:
        request.evidence_token = secrets.token_hex(16)
        request.evidence_file_name = (getattr(evidence_file, "name", "") or "")[:255]
        request.evidence_file.save(request.evidence_token, evidence_file, save=False)
    with acting_as(actor):
        request.save()
    learner = trajectory.learner
    notification_send(
        recipients=case_managers(
            tenant_id=trajectory.tenant_id, municipality_id=learner.municipality_id, assigned=learner.case_manager
        ),
        tenant=trajectory.tenant,
        subject=_("Request to %(kind)s for %(number)s")
        % {"kind": request.get_kind_display(), "number": learner.learner_number},
        body=_("Please decide by %(due)s.") % {"due": request.due_date.strftime("%d-%m-%Y")},
        url=request.get_absolute_url(),
    )
    return request


def _apply_granted(request: LevelChangeRequest, actor: User, today: date) -> None:
    trajectory = request.trajectory
    if request.kind == ChangeKind.ROUTE_SWITCH:
        switch_date = max(today, trajectory.start_date + timedelta(days=1))
        request.new_trajectory = trajectory_services.trajectory_switch_route(
            actor=actor, trajectory=trajectory, switch_date=switch_date, route=request.new_route
        )
        return
    fields: dict[str, Any] = {SKILL_FIELD[c["skill"]]: c["to"] for c in request.skill_changes}
    if request.kind == ChangeKind.DOWNSCALE:
        fields["status"] = TrajectoryStatus.DOWNSCALED
    elif any(c["to"] == Level.B2 for c in request.skill_changes):
        fields["b2_track"] = True
    trajectory_services.trajectory_update(actor=actor, trajectory=trajectory, via_level_change=True, **fields)


@transaction.atomic
def level_change_decide(
    *, actor: User, request: LevelChangeRequest, decision: str, reason: str = ""
) -> LevelChangeRequest:
    """The municipality's decision; the turnaround in working days is recorded (guide 1.2)."""
    request = (
        LevelChangeRequest.objects.select_for_update()
        .select_related("trajectory__contract__provider", "trajectory__learner")
        .get(pk=request.pk)
    )
    errors: dict[str, list[str]] = {}
    if not request.is_open:
        raise ValidationError({"__all__": [_("A decision was already taken on this request.")]})
    if decision not in Decision.values:
        errors.setdefault("decision", []).append(_("Choose grant or refuse."))
    if decision == Decision.REFUSED and not reason.strip():
        errors.setdefault("decision_reason", []).append(_("Give the reason for refusing."))
    if decision == Decision.GRANTED:
        # The conditions are checked again: hours, route or quality mark may have changed since.
        for messages in level_change_errors(
            trajectory=request.trajectory,
            kind=request.kind,
            skill_changes=request.skill_changes,
            new_route=request.new_route,
            request_id=request.pk,
        ).values():
            errors.setdefault("decision", []).extend(messages)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    today = timezone.localdate(now)
    with acting_as(actor):
        if decision == Decision.GRANTED:
            _apply_granted(request, actor, today)
        request.status = decision
        request.decided_by = actor
        request.decided_at = now
        request.decision_reason = reason.strip()
        request.turnaround_working_days = working_days_between(timezone.localdate(request.requested_at), today)
        request.save()
    learner = request.trajectory.learner
    recipients = [request.requested_by, *provider_staff(request.trajectory.contract.provider_id)]
    notification_send(
        recipients=recipients,
        tenant=request.trajectory.tenant,
        subject=_("Request to %(kind)s for %(number)s: %(decision)s")
        % {
            "kind": request.get_kind_display(),
            "number": learner.learner_number,
            "decision": request.get_status_display(),
        },
        body=request.decision_reason,
        url=request.get_absolute_url(),
    )
    return request


# ---------------------------------------------------------------------------------------------
# Extensions beyond the maximum (guide 3.2)
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def hours_extension_grant(
    *,
    actor: User,
    trajectory: Trajectory,
    extra_hours: int,
    reason: str,
    municipality_share_percentage: Decimal | None = None,
) -> HoursExtension:
    contract = trajectory.contract
    errors: dict[str, list[str]] = {}
    if not trajectory.is_open:
        errors.setdefault("__all__", []).append(_("Only an open trajectory can be extended."))
    if not contract.continue_while_progress:
        errors.setdefault("__all__", []).append(
            _("Contract %(contract)s does not continue while there is progress: it has no extensions.")
            % {"contract": contract.reference}
        )
    if not contract.max_hours_for(trajectory.route):
        errors.setdefault("__all__", []).append(
            _("Contract %(contract)s has no maximum of lesson hours for the %(route)s: nothing to extend.")
            % {"contract": contract.reference, "route": trajectory.get_route_display()}
        )
    share = (
        contract.extension_municipality_share_percentage
        if municipality_share_percentage is None
        else municipality_share_percentage
    )
    extension = HoursExtension(
        tenant_id=trajectory.tenant_id,
        trajectory=trajectory,
        extra_hours=extra_hours,
        reason=(reason or "").strip(),
        municipality_share_percentage=share,
        granted_by=actor,
        granted_on=timezone.localdate(),
    )
    try:
        extension.full_clean(exclude=["tenant", "trajectory", "granted_by"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    with acting_as(actor):
        extension.save()
    learner = trajectory.learner
    notification_send(
        recipients=provider_staff(contract.provider_id),
        tenant=trajectory.tenant,
        subject=_("%(hours)s extra lesson hours for %(number)s")
        % {"hours": extension.extra_hours, "number": learner.learner_number},
        body=extension.reason,
        url=reverse("trajectory_list"),
    )
    return extension
