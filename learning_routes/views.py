from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from inburgering.forms import save_form
from inburgering.tenancy.models import Municipality, Role
from inburgering.tenancy.permissions import require_role, role_required
from learning_routes import rules, selectors, services
from learning_routes.forms import (
    BsnSearchForm,
    ExamResultForm,
    LearnerFilterForm,
    LearnerForm,
    RouteSwitchForm,
    TermExtensionForm,
    TrajectoryEndForm,
    TrajectoryFilterForm,
    TrajectoryForm,
)
from learning_routes.models import DossierAction, Learner, Skill, Trajectory
from learning_routes.permissions import (
    LEARNER_READERS,
    LEARNER_WRITERS,
    TERM_MONITORS,
    TRAJECTORY_READERS,
    may_reveal_bsn,
)

PAGE_SIZE = 50


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _form_page(request, *, form, title: str, back_url: str, submit_label: str | None = None, intro: str = ""):
    return render(
        request,
        "form_page.html",
        {
            "form": form,
            "title": title,
            "back_url": back_url,
            "submit_label": submit_label,
            "intro": intro,
        },
    )


# --- Learners --------------------------------------------------------------------------------------


@role_required(*LEARNER_READERS)
def learner_list(request):
    municipalities = Municipality.objects.order_by("name")
    filters = LearnerFilterForm(request.GET or None, municipalities=municipalities)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    learners = selectors.learner_list(
        search=(criteria.get("q") or "").strip() or None,
        municipality_cbs=criteria.get("gemeente") or None,
        route=criteria.get("route") or None,
        status=criteria.get("status") or None,
    )
    page = Paginator(learners, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "learning_routes/learner_list.html",
        {
            "filters": filters,
            "page": page,
            "query": _query_without_page(request),
            "bsn_form": BsnSearchForm(),
            "can_write": request.tenancy.has_role(*LEARNER_WRITERS),
        },
    )


@sensitive_post_parameters("bsn")
@role_required(*LEARNER_READERS)
@require_POST
def learner_find_by_bsn(request):
    """POST, so the BSN never appears in a URL, a log line or the browser history."""
    form = BsnSearchForm(request.POST)
    learner = None
    if form.is_valid():
        learner = services.learner_find_by_bsn(tenant=request.tenancy.active_tenant, bsn=form.cleaned_data["bsn"])
    if learner is None:
        messages.error(request, _("No learner with this BSN in your part of the region."))
        return redirect("learner_list")
    return redirect(learner)


@sensitive_post_parameters("bsn")
@role_required(*LEARNER_WRITERS)
def learner_create(request):
    tenant = request.tenancy.active_tenant
    form = LearnerForm(request.POST or None, tenant=tenant)
    learner = save_form(
        request,
        form,
        lambda data: services.learner_create(
            actor=request.user, tenant=tenant, bsn=data["bsn"], **form.learner_fields()
        ),
        success=lambda created: (
            _("%(name)s is registered with learner number %(number)s.")
            % {"name": created.full_name, "number": created.learner_number}
        ),
    )
    if learner is not None:
        return redirect(learner)
    return _form_page(
        request, form=form, title=_("Register a learner"), back_url="/inburgeraars", submit_label=_("Register")
    )


def _dossier_context(request, learner: Learner) -> dict:
    trajectories = list(learner.trajectories.all())
    reached = selectors.levels_reached(learner)
    current = selectors.open_trajectory(learner)
    skills = [
        {"label": Skill(skill).label, "target": current.targets[skill] if current else None, "reached": reached[skill]}
        for skill in Skill.values
    ]
    return {
        "learner": learner,
        "current": current,
        "trajectories": trajectories,
        "skills": skills,
        "timeline": selectors.dossier_timeline(learner),
        "can_write": request.tenancy.has_role(*LEARNER_WRITERS),
        "can_reveal": may_reveal_bsn(request.tenancy, learner),
        "today": timezone.localdate(),
    }


@never_cache
@login_required
def learner_detail(request, pk: int):
    learner = get_object_or_404(selectors.learner_dossier_queryset(), pk=pk)
    require_role(request, *LEARNER_READERS)
    services.dossier_access_record(user=request.user, learner=learner, action=DossierAction.VIEWED)
    return render(request, "learning_routes/learner_detail.html", _dossier_context(request, learner))


@never_cache
@login_required
@require_POST
def learner_reveal_bsn(request, pk: int):
    learner = get_object_or_404(Learner.objects.all(), pk=pk)
    require_role(request, *LEARNER_READERS)
    if not may_reveal_bsn(request.tenancy, learner):
        return render(
            request,
            "403.html",
            {"reason": _("Only a case manager of the learner's municipality can reveal the BSN.")},
            status=403,
        )
    bsn = services.learner_reveal_bsn(user=request.user, learner=learner)
    context = {"learner": learner, "revealed_bsn": bsn, "revealed_at": timezone.localtime()}
    if request.htmx:
        return render(request, "learning_routes/partials/bsn.html", context)
    # Without JavaScript: the dossier again, with the number shown (never via a redirect URL).
    learner = selectors.learner_dossier_queryset().get(pk=pk)
    return render(request, "learning_routes/learner_detail.html", {**_dossier_context(request, learner), **context})


@sensitive_post_parameters("bsn")
@login_required
def learner_update(request, pk: int):
    learner = get_object_or_404(Learner.objects.select_related("municipality"), pk=pk)
    require_role(request, *LEARNER_WRITERS)
    form = LearnerForm(request.POST or None, instance=learner, tenant=learner.tenant)
    if save_form(
        request,
        form,
        lambda data: services.learner_update(
            actor=request.user, learner=learner, bsn=data.get("bsn") or None, **form.learner_fields()
        ),
        success=_("The personal details have been saved."),
    ):
        return redirect(learner)
    return _form_page(
        request, form=form, title=_("Edit %(name)s") % {"name": learner.full_name}, back_url=learner.get_absolute_url()
    )


@login_required
def term_extension_create(request, pk: int):
    learner = get_object_or_404(Learner.objects.all(), pk=pk)
    require_role(request, *LEARNER_WRITERS)
    form = TermExtensionForm(request.POST or None)
    if save_form(
        request,
        form,
        lambda data: services.term_extension_add(actor=request.user, learner=learner, **data),
        success=_("The extension of the integration term has been recorded."),
    ):
        return redirect(learner)
    return _form_page(
        request,
        form=form,
        title=_("Extend the integration term of %(name)s") % {"name": learner.full_name},
        back_url=learner.get_absolute_url(),
    )


# --- Trajectories ----------------------------------------------------------------------------------


@login_required
def trajectory_create(request, pk: int):
    learner = get_object_or_404(Learner.objects.select_related("municipality"), pk=pk)
    require_role(request, *LEARNER_WRITERS)
    form = TrajectoryForm(request.POST or None, learner=learner)
    if save_form(
        request,
        form,
        lambda data: services.trajectory_create(
            actor=request.user, learner=learner, **{k: v for k, v in data.items() if v not in ("", None)}
        ),
        success=_("The trajectory has been started."),
    ):
        return redirect(learner)
    return _form_page(
        request,
        form=form,
        title=_("New trajectory for %(name)s") % {"name": learner.full_name},
        back_url=learner.get_absolute_url(),
        submit_label=_("Start trajectory"),
    )


@login_required
def trajectory_update(request, pk: int):
    trajectory = get_object_or_404(Trajectory.objects.select_related("learner", "contract"), pk=pk)
    require_role(request, *LEARNER_WRITERS)
    form = TrajectoryForm(request.POST or None, instance=trajectory, learner=trajectory.learner)
    if save_form(
        request,
        form,
        lambda data: services.trajectory_update(actor=request.user, trajectory=trajectory, **data),
        success=_("The trajectory has been saved."),
    ):
        return redirect(trajectory)
    return _form_page(
        request,
        form=form,
        title=_("Edit trajectory of %(name)s") % {"name": trajectory.learner.full_name},
        back_url=trajectory.get_absolute_url(),
    )


@login_required
def trajectory_end(request, pk: int):
    trajectory = get_object_or_404(Trajectory.objects.select_related("learner", "contract"), pk=pk)
    require_role(request, *LEARNER_WRITERS)
    form = TrajectoryEndForm(request.POST or None)
    if save_form(
        request,
        form,
        lambda data: services.trajectory_end(actor=request.user, trajectory=trajectory, **data),
        success=_("The trajectory has been ended."),
    ):
        return redirect(trajectory)
    return _form_page(
        request,
        form=form,
        title=_("End the trajectory of %(name)s") % {"name": trajectory.learner.full_name},
        back_url=trajectory.get_absolute_url(),
        submit_label=_("End"),
    )


@login_required
def trajectory_switch_route(request, pk: int):
    trajectory = get_object_or_404(Trajectory.objects.select_related("learner", "contract"), pk=pk)
    require_role(request, *LEARNER_WRITERS)
    form = RouteSwitchForm(request.POST or None)
    if save_form(
        request,
        form,
        lambda data: services.trajectory_switch_route(
            actor=request.user, trajectory=trajectory, switch_date=data["switch_date"], **form.new_fields()
        ),
        success=_("The route switch has been recorded: the old trajectory is ended and the new one started."),
    ):
        return redirect(trajectory.learner)
    intro = _("The current trajectory (%(route)s) ends the day before; the new one starts under the same contract.") % {
        "route": trajectory.get_route_display()
    }
    return _form_page(
        request,
        form=form,
        title=_("Route switch for %(name)s") % {"name": trajectory.learner.full_name},
        back_url=trajectory.get_absolute_url(),
        submit_label=_("Switch route"),
        intro=intro,
    )


@login_required
def exam_result_create(request, pk: int):
    trajectory = get_object_or_404(Trajectory.objects.select_related("learner"), pk=pk)
    require_role(request, *LEARNER_WRITERS)
    form = ExamResultForm(request.POST or None)
    if save_form(
        request,
        form,
        lambda data: services.exam_result_create(actor=request.user, trajectory=trajectory, **data),
        success=_("The exam result has been recorded."),
    ):
        return redirect(trajectory)
    return _form_page(
        request,
        form=form,
        title=_("Exam result for %(name)s") % {"name": trajectory.learner.full_name},
        back_url=trajectory.get_absolute_url(),
    )


@role_required(*TRAJECTORY_READERS)
def trajectory_list(request):
    """Trajectories per contract (contract managers), per provider (provider staff), per region."""
    tenancy = request.tenancy
    provider_view = tenancy.is_provider_staff and not tenancy.has_role(*LEARNER_READERS, Role.CONTRACT_MANAGER)
    filters = TrajectoryFilterForm(
        request.GET or None,
        municipalities=Municipality.objects.order_by("name"),
        contracts=selectors.contracts_in_scope(),
    )
    criteria = filters.cleaned_data if filters.is_valid() else {}
    trajectories = selectors.trajectory_list(
        contract_id=int(criteria["contract"]) if criteria.get("contract") else None,
        route=criteria.get("route") or None,
        status=criteria.get("status") or None,
        municipality_cbs=criteria.get("gemeente") or None,
        search=(criteria.get("q") or "").strip() or None,
    )
    page = Paginator(trajectories, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "learning_routes/trajectory_list.html",
        {
            "filters": filters,
            "page": page,
            "query": _query_without_page(request),
            "provider_view": provider_view,
            "links_to_dossier": tenancy.has_role(*LEARNER_READERS),
        },
    )


@role_required(*TERM_MONITORS)
def term_monitoring(request):
    try:
        months = max(1, min(36, int(request.GET.get("maanden", rules.DEFAULT_TERM_WARNING_MONTHS))))
    except ValueError:
        months = rules.DEFAULT_TERM_WARNING_MONTHS
    today = timezone.localdate()
    trajectories = selectors.terms_ending(today=today, months=months)
    page = Paginator(trajectories, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "learning_routes/term_monitoring.html",
        {
            "page": page,
            "months": months,
            "today": today,
            "query": _query_without_page(request),
        },
    )


@role_required(Role.TENANT_ADMIN)
def access_log(request):
    page = Paginator(selectors.access_log(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "learning_routes/access_log.html", {"page": page, "query": ""})
