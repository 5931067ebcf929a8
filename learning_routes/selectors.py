"""Reads for learners and trajectories: lists, the dossier, levels reached, term monitoring, logs."""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from contracts.models import Contract
from inburgering.history import HistoryEntry, history_entries
from learning_routes.models import (
    LEVEL_ORDER,
    OPEN_STATUSES,
    DossierAccess,
    ExamResult,
    Learner,
    Skill,
    TermExtension,
    Trajectory,
)


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate_day)
        except ValueError:
            continue
    raise ValueError(day)


def learner_list(
    *,
    search: str | None = None,
    municipality_cbs: str | None = None,
    route: str | None = None,
    status: str | None = None,
) -> QuerySet[Learner]:
    open_trajectories = Trajectory.objects.filter(status__in=OPEN_STATUSES).select_related("contract__provider")
    learners = Learner.objects.select_related("municipality").prefetch_related(
        Prefetch("trajectories", queryset=open_trajectories, to_attr="open_trajectories")
    )
    if search:
        learners = learners.filter(
            Q(first_name__icontains=search) | Q(last_name__icontains=search) | Q(learner_number__iexact=search)
        )
    if municipality_cbs:
        learners = learners.filter(municipality__cbs_code=municipality_cbs)
    if route:
        learners = learners.filter(
            pk__in=Trajectory.objects.filter(route=route, status__in=OPEN_STATUSES).values("learner_id")
        )
    if status:
        learners = learners.filter(pk__in=Trajectory.objects.filter(status=status).values("learner_id"))
    return learners.order_by("last_name", "first_name", "pk")


def learner_dossier_queryset() -> QuerySet[Learner]:
    return Learner.objects.select_related("municipality", "case_manager").prefetch_related(
        Prefetch(
            "trajectories",
            queryset=Trajectory.objects.select_related("contract__provider")
            .prefetch_related(Prefetch("exam_results", queryset=ExamResult.objects.order_by("-exam_date", "component")))
            .order_by("-start_date", "-pk"),
        ),
        Prefetch("term_extensions", queryset=TermExtension.objects.order_by("new_end_date")),
    )


def levels_reached(learner: Learner) -> dict[str, str | None]:
    """Per skill, the highest level passed in any of the learner's trajectories (exam results)."""
    reached: dict[str, str | None] = {skill: None for skill in Skill.values}
    for trajectory in learner.trajectories.all():
        for result in trajectory.exam_results.all():
            if not result.passed or result.component not in reached or not result.level:
                continue
            current = reached[result.component]
            if current is None or LEVEL_ORDER.index(result.level) > LEVEL_ORDER.index(current):
                reached[result.component] = result.level
    return reached


def trajectory_list(
    *,
    contract_id: int | None = None,
    route: str | None = None,
    status: str | None = None,
    municipality_cbs: str | None = None,
    search: str | None = None,
) -> QuerySet[Trajectory]:
    trajectories = Trajectory.objects.select_related("learner__municipality", "contract__provider")
    if contract_id:
        trajectories = trajectories.filter(contract_id=contract_id)
    if route:
        trajectories = trajectories.filter(route=route)
    if status:
        trajectories = trajectories.filter(status=status)
    if municipality_cbs:
        trajectories = trajectories.filter(learner__municipality__cbs_code=municipality_cbs)
    if search:
        trajectories = trajectories.filter(
            Q(learner__learner_number__iexact=search)
            | Q(learner__last_name__icontains=search)
            | Q(learner__first_name__icontains=search)
        )
    return trajectories.order_by("learner__last_name", "learner__first_name", "-start_date", "pk")


def contracts_in_scope() -> QuerySet[Contract]:
    return Contract.objects.order_by("reference")


def terms_ending(*, today: date, months: int) -> QuerySet[Trajectory]:
    """Open trajectories whose learner's integration term ends within ``months`` (not completed)."""
    horizon = _add_months(today, months)
    return (
        Trajectory.objects.filter(status__in=OPEN_STATUSES, learner__integration_term_end__lte=horizon)
        .select_related("learner__municipality", "contract__provider")
        .order_by("learner__integration_term_end", "learner__last_name", "pk")
    )


def access_log() -> QuerySet[DossierAccess]:
    return DossierAccess.objects.select_related("user", "learner").order_by("-at", "-pk")


def dossier_timeline(learner: Learner) -> list[HistoryEntry]:
    """Every change to the learner, their trajectories, exam results and term extensions."""
    entries = history_entries(
        learner.history.select_related("history_user"),
        Learner,
        subject=lambda record: _("Personal details"),
        related_names={"municipality": {learner.municipality_id: learner.municipality.name}},
        hidden_fields=("case_manager",),
    )
    trajectory_ids = [t.pk for t in learner.trajectories.all()]
    contracts = {t.contract_id: t.contract.reference for t in learner.trajectories.all()}
    entries += history_entries(
        Trajectory.history.filter(id__in=trajectory_ids).select_related("history_user"),
        Trajectory,
        subject=lambda record: _("Trajectory %(route)s") % {"route": record.get_route_display()},
        related_names={"contract": contracts},
    )
    entries += history_entries(
        ExamResult.history.filter(trajectory_id__in=trajectory_ids).select_related("history_user"),
        ExamResult,
        subject=lambda record: (
            _("Exam %(component)s %(level)s") % {"component": record.get_component_display(), "level": record.level}
        ),
    )
    entries += history_entries(
        TermExtension.history.filter(learner_id=learner.pk).select_related("history_user"),
        TermExtension,
        subject=lambda record: _("Term extension until %(date)s") % {"date": record.new_end_date.strftime("%d-%m-%Y")},
    )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


def open_trajectory(learner: Learner) -> Trajectory | None:
    return next((t for t in learner.trajectories.all() if t.status in OPEN_STATUSES), None)
