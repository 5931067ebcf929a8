from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from inburgering.api.exceptions import problem_response
from inburgering.forms import apply_validation_error, save_form
from inburgering.tenancy import selectors, services
from inburgering.tenancy.context import SESSION_ACTIVE_TENANT
from inburgering.tenancy.forms import (
    InviteForm,
    MunicipalityForm,
    ProviderLinkForm,
    RoleFields,
    TenantSwitchForm,
)
from inburgering.tenancy.models import Municipality, RegionProvider, Role
from inburgering.tenancy.permissions import require_role, tenant_admin_required


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


def lockout_response(request, credentials=None, *args, **kwargs):
    """django-axes lockout: problem+json for the API, a page for the browser."""
    message = _("Too many failed sign-in attempts. Try again in fifteen minutes or contact your administrator.")
    if request.path.startswith("/api/"):
        return problem_response(429, message)
    return HttpResponse(render_to_string("registration/locked_out.html", {"message": message}, request), status=429)


@require_GET
def health(request):
    return JsonResponse({"status": "ok"})


def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    tenancy = request.tenancy
    context = {"tenancy": tenancy}
    if tenancy.active_tenant is not None and tenancy.has_role("tenant_admin"):
        tenant = tenancy.active_tenant
        context.update(
            municipality_count=Municipality.objects.filter(tenant=tenant).count(),
            provider_count=selectors.region_providers(tenant=tenant).filter(is_active=True).count(),
            member_count=selectors.memberships_of_tenant(tenant=tenant).filter(is_active=True).count(),
        )
        heartbeats = selectors.worker_heartbeats()
        context.update(worker_beat=heartbeats.get("worker"), daily_beat=heartbeats.get("dagelijkse-taken"))
    if tenancy.active_tenant is not None and tenancy.has_role(Role.CONTRACT_MANAGER):
        from contracts.selectors import overdue_action_items

        context["overdue_action_items"] = overdue_action_items(today=timezone.localdate())
    if tenancy.is_provider_staff:
        context["provider_regions"] = tenancy.available_tenants
    return render(request, "tenancy/home.html", context)


@require_POST
def tenant_switch(request):
    if not request.user.is_authenticated:
        return redirect("login")
    form = TenantSwitchForm(request.POST)
    if not form.is_valid():
        raise Http404
    tenant = next((t for t in request.tenancy.available_tenants if t.pk == form.cleaned_data["tenant"]), None)
    if tenant is None:
        raise Http404
    request.session[SESSION_ACTIVE_TENANT] = tenant.pk
    messages.success(request, _("You now work in region %(region)s.") % {"region": tenant.name})
    return redirect("home")


# --- Municipalities -------------------------------------------------------------------------------


@tenant_admin_required
def municipality_list(request):
    municipalities = Municipality.objects.filter(tenant=request.tenancy.active_tenant).order_by("name")
    return render(request, "tenancy/municipality_list.html", {"municipalities": municipalities})


@tenant_admin_required
def municipality_create(request):
    form = MunicipalityForm(request.POST or None)
    if save_form(
        request,
        form,
        lambda data: services.municipality_create(actor=request.user, tenant=request.tenancy.active_tenant, **data),
        success=lambda municipality: _("Municipality %(name)s has been added.") % {"name": municipality.name},
    ):
        return redirect("municipality_list")
    return render(
        request,
        "tenancy/form.html",
        {"form": form, "title": _("Add municipality"), "back_url": "municipality_list"},
    )


@login_required
def municipality_update(request, pk: int):
    # Look up first: invisible answers 404 like missing; visible but not for this role answers 403.
    municipality = get_object_or_404(Municipality.objects.all(), pk=pk)
    require_role(request, Role.TENANT_ADMIN)
    initial = {"name": municipality.name, "cbs_code": municipality.cbs_code}
    form = MunicipalityForm(request.POST or None, initial=initial)
    if save_form(
        request,
        form,
        lambda data: services.municipality_update(actor=request.user, municipality=municipality, **data),
        success=lambda updated: _("Municipality %(name)s has been updated.") % {"name": updated.name},
    ):
        return redirect("municipality_list")
    history = municipality.history.select_related("history_user").order_by("-history_date")[:20]
    return render(
        request,
        "tenancy/form.html",
        {
            "form": form,
            "title": _("Edit municipality %(name)s") % {"name": municipality.name},
            "back_url": "municipality_list",
            "history": history,
        },
    )


# --- Providers in the region ----------------------------------------------------------------------


@tenant_admin_required
def provider_list(request):
    links = selectors.region_providers(tenant=request.tenancy.active_tenant)
    return render(request, "tenancy/provider_list.html", {"links": links})


@tenant_admin_required
def provider_link(request):
    form = ProviderLinkForm(request.POST or None)
    if save_form(
        request,
        form,
        lambda data: services.region_provider_link(actor=request.user, tenant=request.tenancy.active_tenant, **data),
        success=lambda link: _("%(name)s now works in this region.") % {"name": link.provider.name},
    ):
        return redirect("provider_list")
    return render(
        request,
        "tenancy/form.html",
        {
            "form": form,
            "title": _("Add a language provider to the region"),
            "submit_label": _("Add"),
            "back_url": "provider_list",
        },
    )


@login_required
@require_POST
def provider_unlink(request, pk: int):
    link = get_object_or_404(RegionProvider.objects.select_related("provider"), pk=pk, is_active=True)
    require_role(request, Role.TENANT_ADMIN)
    services.region_provider_deactivate(actor=request.user, link=link)
    messages.success(
        request,
        _("%(name)s no longer works in this region. The history is kept.") % {"name": link.provider.name},
    )
    return redirect("provider_list")


# --- Users and memberships ------------------------------------------------------------------------


@tenant_admin_required
def user_list(request):
    memberships = selectors.memberships_of_tenant(tenant=request.tenancy.active_tenant)
    return render(request, "tenancy/user_list.html", {"memberships": memberships})


@tenant_admin_required
def user_invite(request):
    tenant = request.tenancy.active_tenant
    form = InviteForm(request.POST or None, tenant=tenant)
    if request.method == "POST" and form.is_valid():
        try:
            user, membership, invite_path = services.user_invite(actor=request.user, tenant=tenant, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return render(
                request,
                "tenancy/invited.html",
                {
                    "invited": user,
                    "membership": membership,
                    "invite_url": request.build_absolute_uri(invite_path) if invite_path else None,
                },
            )
    return render(
        request,
        "tenancy/form.html",
        {"form": form, "title": _("Invite user"), "back_url": "user_list", "submit_label": _("Invite")},
    )


@tenant_admin_required
def membership_edit(request, pk: int):
    tenant = request.tenancy.active_tenant
    membership = selectors.membership_of_tenant_or_404(tenant=tenant, pk=pk)
    form = RoleFields(
        request.POST or None,
        tenant=tenant,
        initial={"role": membership.role, "municipality": membership.municipality},
    )
    if save_form(
        request,
        form,
        lambda data: services.membership_change_role(actor=request.user, membership=membership, **data),
        success=_("The role of %(user)s has been changed.") % {"user": membership.user},
    ):
        return redirect("user_list")
    return render(
        request,
        "tenancy/form.html",
        {
            "form": form,
            "title": _("Change the role of %(user)s") % {"user": membership.user},
            "back_url": "user_list",
            "history": membership.history.select_related("history_user").order_by("-history_date")[:20],
        },
    )


@tenant_admin_required
@require_POST
def membership_toggle(request, pk: int):
    membership = selectors.membership_of_tenant_or_404(tenant=request.tenancy.active_tenant, pk=pk)
    if membership.user_id == request.user.pk and membership.is_active:
        messages.error(request, _("You cannot switch off your own access."))
        return redirect("user_list")
    services.membership_set_active(actor=request.user, membership=membership, is_active=not membership.is_active)
    if membership.is_active:
        message = _("The role %(role)s of %(user)s is active again.")
    else:
        message = _("The role %(role)s of %(user)s has been deactivated.")
    messages.success(request, message % {"role": membership.get_role_display(), "user": membership.user})
    return redirect("user_list")
