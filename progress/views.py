"""Checkpoints, level-change requests, decisions and hour extensions in the browser.

Thin: look the object up through the scoped manager (404 outside the caller's scope), then check
the role (403), then call a selector or a service. Providers assess checkpoints and file requests;
the municipality's case managers review and decide (guide 1.2) and grant extensions (guide 3.2).
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from inburgering.forms import save_form
from inburgering.tenancy.permissions import require_role, role_required
from learning_routes.models import Trajectory
from learning_routes.permissions import LEARNER_READERS
from progress import selectors, services
from progress.forms import (
    CheckpointAssessmentForm,
    CheckpointReviewForm,
    HoursExtensionForm,
    LevelChangeDecisionForm,
    LevelChangeRequestForm,
    evidence_content_type,
)
from progress.models import AWAITING_ASSESSMENT, Advice, Checkpoint, CheckpointStatus, LevelChangeRequest, RequestStatus
from progress.permissions import (
    CHECKPOINT_ASSESSORS,
    CHECKPOINT_READERS,
    CHECKPOINT_REVIEWERS,
    EXTENSION_GRANTERS,
    LEVEL_CHANGE_DECIDERS,
    LEVEL_CHANGE_READERS,
    LEVEL_CHANGE_REQUESTERS,
    REGION_FOLLOWERS,
)

# The region's roles that follow checkpoints and requests; provider staff see their own contracts'.

PAGE_SIZE = 50
RECENTLY_DECIDED = 25
# Tabs of the region's checkpoint list: (query value, selector).
CHECKPOINT_VIEWS = {"te-beoordelen": selectors.checkpoints_to_review, "openstaand": selectors.provider_todo}
REQUEST_ADVICE = (Advice.DOWNSCALE, Advice.UPSCALE, Advice.ROUTE_SWITCH)


def _provider_view(request) -> bool:
    """Provider staff without a region role see their own work lists, not the region's."""
    tenancy = request.tenancy
    return tenancy.is_provider_staff and not tenancy.has_role(*REGION_FOLLOWERS)


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / selectors.MINUTES_PER_HOUR).quantize(Decimal("0.01"))


def _int_param(request, name: str, *, required: bool) -> int | None:
    """A numeric id from the query string; a malformed or missing required one answers 404."""
    raw = request.GET.get(name, "")
    if not raw:
        if required:
            raise Http404
        return None
    if not raw.isdigit():
        raise Http404
    return int(raw)


def _checkpoint_tab_label(view: str) -> str:
    return _("To review") if view == "te-beoordelen" else _("Open at the language provider")


# --- Checkpoints -------------------------------------------------------------------------------------


@role_required(*CHECKPOINT_READERS)
def checkpoint_list(request):
    today = timezone.localdate()
    if _provider_view(request):
        page = Paginator(selectors.provider_todo(), PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request, "progress/checkpoint_list.html", {"provider_view": True, "page": page, "today": today, "query": ""}
        )
    view = request.GET.get("weergave")
    if view not in CHECKPOINT_VIEWS:
        view = "te-beoordelen"
    page = Paginator(CHECKPOINT_VIEWS[view](), PAGE_SIZE).get_page(request.GET.get("page"))
    tabs = [
        {
            "value": key,
            "label": _checkpoint_tab_label(key),
            "count": page.paginator.count if key == view else selector().count(),
        }
        for key, selector in CHECKPOINT_VIEWS.items()
    ]
    return render(
        request,
        "progress/checkpoint_list.html",
        {
            "provider_view": False,
            "view": view,
            "view_label": _checkpoint_tab_label(view),
            "tabs": tabs,
            "page": page,
            "today": today,
            "query": f"weergave={view}",
            "links_to_dossier": request.tenancy.has_role(*LEARNER_READERS),
        },
    )


@never_cache
@login_required
def checkpoint_detail(request, pk: int):
    checkpoint = get_object_or_404(selectors.checkpoint_detail_queryset(), pk=pk)
    require_role(request, *CHECKPOINT_READERS)
    tenancy = request.tenancy
    may_assess = tenancy.has_role(*CHECKPOINT_ASSESSORS)
    may_review = tenancy.has_role(*CHECKPOINT_REVIEWERS)
    assessment_form = review_form = None
    if request.method == "POST":
        if may_assess:
            assessment_form = CheckpointAssessmentForm(request.POST, targets=checkpoint.trajectory.targets)
            saved = save_form(
                request,
                assessment_form,
                lambda data: services.checkpoint_submit(
                    actor=request.user, checkpoint=checkpoint, **assessment_form.service_arguments()
                ),
                success=_("The assessment has been submitted; the case manager has been notified."),
            )
        elif may_review:
            review_form = CheckpointReviewForm(request.POST)
            saved = save_form(
                request,
                review_form,
                lambda data: services.checkpoint_review(
                    actor=request.user, checkpoint=checkpoint, remark=data.get("remark", "")
                ),
                success=_("The checkpoint has been marked as reviewed."),
            )
        else:
            raise PermissionDenied(_("Your role does not give access to this function."))
        if saved is not None:
            return redirect(checkpoint)
    else:
        if may_assess and checkpoint.status in AWAITING_ASSESSMENT:
            assessment_form = CheckpointAssessmentForm(targets=checkpoint.trajectory.targets)
        if may_review and checkpoint.status == CheckpointStatus.SUBMITTED:
            review_form = CheckpointReviewForm()
    requests = list(checkpoint.requests.order_by("-requested_at"))
    may_request = (
        may_assess
        and checkpoint.advice in REQUEST_ADVICE
        and checkpoint.trajectory.is_open
        and not any(r.is_open for r in requests)
    )
    return render(
        request,
        "progress/checkpoint_detail.html",
        {
            "checkpoint": checkpoint,
            "assessments": [
                {"assessment": a, "target": checkpoint.trajectory.targets.get(a.skill, "")}
                for a in checkpoint.assessments.all()
            ],
            "assessment_form": assessment_form,
            "review_form": review_form,
            "requests": requests,
            "may_request": may_request,
            "today": timezone.localdate(),
            "links_to_dossier": tenancy.has_role(*LEARNER_READERS),
        },
    )


# --- Level-change requests ---------------------------------------------------------------------------


@role_required(*LEVEL_CHANGE_READERS)
def level_change_list(request):
    today = timezone.localdate()
    if _provider_view(request):
        requests = selectors.level_change_list().order_by("-requested_at", "-pk")
        page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "progress/level_change_list.html",
            {"provider_view": True, "page": page, "today": today, "query": ""},
        )
    page = Paginator(selectors.decision_queue(), PAGE_SIZE).get_page(request.GET.get("page"))
    decided = list(
        selectors.level_change_list()
        .exclude(status=RequestStatus.SUBMITTED)
        .select_related("decided_by")
        .order_by("-decided_at", "-pk")[:RECENTLY_DECIDED]
    )
    # One more than shown, to say whether the list was cut off without a COUNT query.
    warnings = list(selectors.maximum_warnings()[: PAGE_SIZE + 1])
    return render(
        request,
        "progress/level_change_list.html",
        {
            "provider_view": False,
            "page": page,
            "decided": decided,
            "warnings": warnings[:PAGE_SIZE],
            "more_warnings": len(warnings) > PAGE_SIZE,
            "today": today,
            "query": "",
            "may_extend": request.tenancy.has_role(*EXTENSION_GRANTERS),
            "links_to_dossier": request.tenancy.has_role(*LEARNER_READERS),
        },
    )


@login_required
def level_change_create(request):
    trajectory = get_object_or_404(
        Trajectory.objects.select_related("learner", "contract", "contract__provider"),
        pk=_int_param(request, "traject", required=True),
    )
    checkpoint_id = _int_param(request, "evaluatiemoment", required=False)
    checkpoint = None
    if checkpoint_id is not None:
        checkpoint = get_object_or_404(Checkpoint.objects.prefetch_related("assessments"), pk=checkpoint_id)
    require_role(request, *LEVEL_CHANGE_REQUESTERS)
    kind = request.GET.get("soort", "")
    form = LevelChangeRequestForm(
        request.POST or None,
        request.FILES or None,
        trajectory=trajectory,
        kind=kind,
        assessments=checkpoint.assessments.all() if checkpoint else (),
    )
    created = save_form(
        request,
        form,
        lambda data: services.level_change_request_create(
            actor=request.user, trajectory=trajectory, checkpoint=checkpoint, **form.service_arguments()
        ),
        success=lambda made: (
            _("The request has been sent to the municipality; the decision is due by %(due)s.")
            % {"due": made.due_date.strftime("%d-%m-%Y")}
        ),
    )
    if created is not None:
        return redirect(created)
    contract = trajectory.contract
    hours = selectors.learner_hours(trajectory.learner_id).attended_hours
    minimum = contract.downscale_minimum_hours
    return render(
        request,
        "progress/level_change_form.html",
        {
            "form": form,
            "trajectory": trajectory,
            "checkpoint": checkpoint,
            "contract": contract,
            "attended_hours": hours,
            "downscale_minimum": minimum,
            "hours_short": max(0, minimum - hours),
            "file_lost": request.method == "POST" and bool(request.FILES),
            "back_url": checkpoint.get_absolute_url() if checkpoint else reverse("level_change_list"),
        },
    )


@never_cache
@login_required
def level_change_detail(request, pk: int):
    change = get_object_or_404(selectors.level_change_detail_queryset(), pk=pk)
    require_role(request, *LEVEL_CHANGE_READERS)
    form = None
    if request.method == "POST":
        require_role(request, *LEVEL_CHANGE_DECIDERS)
        form = LevelChangeDecisionForm(request.POST)
        if save_form(
            request,
            form,
            lambda data: services.level_change_decide(
                actor=request.user, request=change, decision=data["decision"], reason=data.get("decision_reason", "")
            ),
            success=lambda decided: (
                _("The decision has been recorded: %(decision)s.") % {"decision": decided.get_status_display()}
            ),
        ):
            return redirect(change)
    elif change.is_open and request.tenancy.has_role(*LEVEL_CHANGE_DECIDERS):
        form = LevelChangeDecisionForm()
    return render(
        request,
        "progress/level_change_detail.html",
        {
            "change": change,
            "form": form,
            "current_hours": selectors.learner_hours(change.trajectory.learner_id).attended_hours,
            "today": timezone.localdate(),
            "links_to_dossier": request.tenancy.has_role(*LEARNER_READERS),
        },
    )


@never_cache
@login_required
def level_change_evidence(request, pk: int):
    change = get_object_or_404(LevelChangeRequest.objects.all(), pk=pk)
    require_role(request, *LEVEL_CHANGE_READERS)
    if not change.evidence_file:
        raise Http404
    name = change.evidence_file_name or "bijlage"
    try:
        stored = change.evidence_file.open("rb")
    except FileNotFoundError as missing:  # the row survived a storage loss: no file to give
        raise Http404 from missing
    return FileResponse(stored, as_attachment=True, filename=name, content_type=evidence_content_type(name))


# --- Hour extensions ---------------------------------------------------------------------------------


@login_required
def hours_extension_create(request, pk: int):
    trajectory = get_object_or_404(
        Trajectory.objects.select_related("learner", "contract", "contract__provider"), pk=pk
    )
    require_role(request, *EXTENSION_GRANTERS)
    contract = trajectory.contract
    form = HoursExtensionForm(
        request.POST or None,
        initial={"municipality_share_percentage": contract.extension_municipality_share_percentage},
    )
    if save_form(
        request,
        form,
        lambda data: services.hours_extension_grant(
            actor=request.user,
            trajectory=trajectory,
            extra_hours=data["extra_hours"],
            reason=data.get("reason", ""),
            municipality_share_percentage=data.get("municipality_share_percentage"),
        ),
        success=lambda granted: (
            _("%(hours)s extra lesson hours have been granted; the provider has been notified.")
            % {"hours": granted.extra_hours}
        ),
    ):
        return redirect(trajectory.learner)
    maximum = contract.max_hours_for(trajectory.route)
    extended = selectors.extension_hours(learner_id=trajectory.learner_id, contract_id=contract.pk)
    offered_minutes = selectors.contract_offered_minutes(learner_id=trajectory.learner_id, contract_id=contract.pk)
    return render(
        request,
        "progress/hours_extension_form.html",
        {
            "form": form,
            "trajectory": trajectory,
            "contract": contract,
            "maximum": maximum,
            "extended": extended,
            "current_maximum": (maximum or 0) + extended if maximum else None,
            "offered_hours": _hours(offered_minutes),
            "extensions": list(selectors.extensions_of([trajectory.pk])),
        },
    )
