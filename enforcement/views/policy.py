"""The verzuimprotocol: the region's policy and contracts' own policies (tenant admin edits, the
region's absence roles read), the printable protocol for learners, and a learner's registered
authorized absence exported for DUO. Thin: look up (404 before 403), call a service or selector."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from attendance.models import Classification, ReportedReason
from contracts.models import Contract
from enforcement import exports, selectors
from enforcement.forms_policy import AbsencePolicyForm
from enforcement.models import AbsencePolicy, Culpability
from enforcement.permissions import (
    DUO_EXPORTERS,
    POLICY_READERS,
    POLICY_WRITERS,
    PROTOCOL_READERS,
)
from enforcement.policy import absence_policy_delete_override, absence_policy_save, policy_values
from inburgering.forms import save_form
from inburgering.tenancy.permissions import require_role, role_required
from learning_routes import services as learner_services
from learning_routes.models import DossierAction, Learner

PDF = "pdf"
CSV = "csv"


def _summary(policy: AbsencePolicy) -> list[tuple[str, object]]:
    """(label, value) rows of a policy for readers who may not change it."""
    field = AbsencePolicy._meta.get_field
    mapping = policy.culpability_mapping or {}
    reasons = [ReportedReason(reason).label for reason in ReportedReason.values if reason in policy.authorized_reasons]
    rows = [
        (field("threshold_per_month").verbose_name, policy.threshold_per_month),
        (field("counting").verbose_name, policy.get_counting_display()),
        (field("partial_attendance_counts").verbose_name, _("yes") if policy.partial_attendance_counts else _("no")),
    ]
    for level, label in Culpability.choices:
        value = mapping.get(level)
        rows.append((label, Classification(value).label if value in Classification.values else "–"))
    rows += [
        (field("authorized_reasons").verbose_name, ", ".join(str(reason) for reason in reasons) or "–"),
        (field("automatic_warning_letter").verbose_name, _("yes") if policy.automatic_warning_letter else _("no")),
        (field("makeup_required").verbose_name, _("yes") if policy.makeup_required else _("no")),
        (field("maximum_fine").verbose_name, exports.dutch_money(policy.maximum_fine)),
        (field("contact_name").verbose_name, policy.contact_name or "–"),
        (field("contact_details").verbose_name, policy.contact_details or "–"),
    ]
    return rows


def _refuse_post_unless_writer(request) -> bool:
    can_write = request.tenancy.has_role(*POLICY_WRITERS)
    if request.method == "POST" and not can_write:
        raise PermissionDenied(_("Only the region's administrator changes the absence policy."))
    return can_write


@role_required(*POLICY_READERS)
def absence_policy(request):
    tenant = request.tenancy.active_tenant
    can_write = _refuse_post_unless_writer(request)
    policy = selectors.region_policy(tenant.pk)
    form = AbsencePolicyForm(request.POST or None, instance=policy) if can_write else None
    if form is not None and save_form(
        request,
        form,
        lambda data: absence_policy_save(actor=request.user, tenant=tenant, **form.policy_fields()),
        success=_("The absence policy of the region has been saved."),
    ):
        return redirect("absence_policy")
    overrides = (
        AbsencePolicy.objects.filter(contract__in=Contract.objects.all())
        .select_related("contract__provider")
        .order_by("contract__reference")
    )
    return render(
        request,
        "enforcement/policy/absence_policy.html",
        {
            "tenant": tenant,
            "policy": policy,
            "form": form,
            "summary": _summary(policy),
            "overrides": overrides,
            "can_write": can_write,
        },
    )


@login_required
def absence_policy_contract(request, pk: int):
    contract = get_object_or_404(Contract.objects.select_related("provider", "tenant"), pk=pk)
    require_role(request, *POLICY_READERS)
    can_write = _refuse_post_unless_writer(request)
    own = AbsencePolicy.objects.filter(contract=contract).first()
    if request.method == "POST" and "verwijderen" in request.POST:
        if absence_policy_delete_override(actor=request.user, contract=contract):
            messages.success(request, _("The contract's own absence policy has been removed."))
        return redirect("absence_policy_contract", pk=contract.pk)
    region = selectors.region_policy(contract.tenant_id)
    # Without its own policy the form starts from the region's values.
    instance = own or AbsencePolicy(tenant_id=contract.tenant_id, contract=contract, **policy_values(region))
    form = AbsencePolicyForm(request.POST or None, instance=instance) if can_write else None
    if form is not None and save_form(
        request,
        form,
        lambda data: absence_policy_save(
            actor=request.user, tenant=contract.tenant, contract=contract, **form.policy_fields()
        ),
        success=_("The absence policy of contract %(reference)s has been saved.") % {"reference": contract.reference},
    ):
        return redirect("absence_policy_contract", pk=contract.pk)
    return render(
        request,
        "enforcement/policy/absence_policy_contract.html",
        {
            "contract": contract,
            "own": own,
            "policy": own or region,
            "form": form,
            "summary": _summary(own or region),
            "can_write": can_write,
        },
    )


def _format(request, allowed: tuple[str, ...], default: str | None) -> str | None:
    value = request.GET.get("formaat", default)
    if value not in allowed:
        raise Http404
    return value


@never_cache
@login_required
def absence_policy_print(request):
    """The protocol for learners, printable (HTML with a print stylesheet) or as PDF (?formaat=pdf);
    the region's, or with ?contract=<id> the one that applies to that contract."""
    tenancy = request.tenancy
    contract = None
    raw = request.GET.get("contract")
    if raw:
        if not raw.isdigit():
            raise Http404
        contract = get_object_or_404(Contract.objects.select_related("provider"), pk=int(raw))
    require_role(request, *PROTOCOL_READERS)
    output = _format(request, ("html", PDF), "html")
    tenant = tenancy.active_tenant
    if contract is not None:
        policy = selectors.policy_for_contract(contract)
    else:
        if not tenancy.has_role(*POLICY_READERS) and not Contract.objects.exists():
            # A provider reads the protocols of the regions it has a contract with.
            raise PermissionDenied(_("Your organisation has no contract in this region."))
        policy = selectors.region_policy(tenant.pk)
    if output == PDF:
        pdf = exports.protocol_pdf(policy, tenant=tenant, contract=contract)
        name = f"verzuimprotocol-{tenant.slug}{f'-contract-{contract.pk}' if contract else ''}.pdf"
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    query = {"formaat": PDF, **({"contract": contract.pk} if contract else {})}
    back = "absence_policy" if tenancy.has_role(*POLICY_READERS) else "home"
    if contract is not None and tenancy.has_role(*POLICY_READERS):
        back_url = reverse("absence_policy_contract", kwargs={"pk": contract.pk})
    else:
        back_url = reverse(back)
    toolbar = {"back_url": back_url, "pdf_url": f"{reverse('absence_policy_print')}?{urlencode(query)}"}
    response = HttpResponse(exports.protocol_html(policy, tenant=tenant, contract=contract, toolbar=toolbar))
    response._csp_update = {"style-src": [exports.protocol_style_source()]}
    return response


@never_cache
@login_required
def authorized_absence_export(request, pk: int):
    """A learner's registered authorized absence, as CSV or PDF, to support a request to DUO to
    extend the integration term. No BSN in the file name, the URL or the file."""
    learner = get_object_or_404(Learner.objects.select_related("municipality", "tenant"), pk=pk)
    require_role(request, *DUO_EXPORTERS)
    output = _format(request, (CSV, PDF), CSV)
    absence = exports.authorized_absence(learner)
    # The download holds personal data: it goes into the dossier's access log (BIO logging).
    learner_services.dossier_access_record(
        user=request.user, learner=learner, action=DossierAction.VIEWED, via=f"duo-export-{output}"
    )
    if output == PDF:
        response = HttpResponse(
            exports.authorized_absence_pdf(absence, tenant=learner.tenant), content_type="application/pdf"
        )
    else:
        response = HttpResponse(exports.authorized_absence_csv(absence), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{exports.export_file_name(learner, output)}"'
    return response
