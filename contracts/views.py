from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contracts import selectors, services
from contracts.forms import ActionItemForm, ContractFilterForm, ContractForm, EvaluationForm, FindingForm
from contracts.models import ActionItem, ActionItemStatus, Contract, ContractEvaluation, ProviderFinding
from contracts.permissions import CONTRACT_READERS, CONTRACT_WRITERS
from contracts.presentation import SECTIONS
from inburgering.forms import save_form
from inburgering.tenancy.permissions import require_role, role_required
from progress import selectors as progress_selectors


@role_required(*CONTRACT_READERS)
def contract_list(request):
    providers = selectors.contract_providers_in_scope()
    filters = ContractFilterForm(request.GET or None, providers=providers)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    contracts = selectors.contract_list(
        provider_kvk=criteria.get("taalaanbieder") or None,
        status=criteria.get("status") or None,
        route=criteria.get("route") or None,
        search=(criteria.get("q") or "").strip() or None,
    )
    page = Paginator(contracts, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "contracts/contract_list.html",
        {
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "can_write": request.tenancy.has_role(*CONTRACT_WRITERS),
        },
    )


def _sections(contract: Contract) -> list[tuple[str, str, list[tuple[str, object]]]]:
    """(anchor, heading, [(label, value)]) per group, for the detail page."""
    result = []
    for key, heading, names in SECTIONS:
        rows = []
        for name in names:
            if name == "municipalities":
                continue
            field = Contract._meta.get_field(name)
            value = getattr(contract, f"get_{name}_display")() if field.choices else getattr(contract, name)
            rows.append((field.verbose_name, value))
        result.append((key, heading, rows))
    return result


@login_required
def contract_detail(request, pk: int):
    contract = get_object_or_404(selectors.contract_detail_queryset(), pk=pk)
    require_role(request, *CONTRACT_READERS)
    today = timezone.localdate()
    return render(
        request,
        "contracts/contract_detail.html",
        {
            "contract": contract,
            "sections": _sections(contract),
            "change_log": selectors.contract_change_log(contract),
            "can_write": request.tenancy.has_role(*CONTRACT_WRITERS),
            "today": today,
            # Guide 1.2: how timely checkpoints are assessed and how long decisions take (3 queries).
            "checkpoint_figures": progress_selectors.checkpoint_figures(contract_id=contract.pk),
            "decision_figures": progress_selectors.decision_figures(contract_id=contract.pk, today=today),
        },
    )


@role_required(*CONTRACT_WRITERS)
def contract_create(request):
    tenant = request.tenancy.active_tenant
    form = ContractForm(request.POST or None, tenant=tenant)
    contract = save_form(
        request,
        form,
        lambda data: services.contract_create(
            actor=request.user, tenant=tenant, municipalities=data["municipalities"], **form.contract_fields()
        ),
        success=lambda created: _("Contract %(reference)s has been created.") % {"reference": created.reference},
    )
    if contract is not None:
        return redirect("contract_detail", pk=contract.pk)
    return render(request, "contracts/contract_form.html", {"form": form, "title": _("New contract")})


@login_required
def contract_update(request, pk: int):
    contract = get_object_or_404(Contract.objects.all(), pk=pk)
    require_role(request, *CONTRACT_WRITERS)
    form = ContractForm(request.POST or None, instance=contract, tenant=contract.tenant, amending=True)
    if save_form(
        request,
        form,
        lambda data: services.contract_update(
            actor=request.user,
            contract=contract,
            reason=data["reason"],
            municipalities=data["municipalities"],
            **form.contract_fields(),
        ),
        success=_("The amendment has been saved and added to the change log."),
    ):
        return redirect("contract_detail", pk=contract.pk)
    return render(
        request,
        "contracts/contract_form.html",
        {
            "form": form,
            "contract": contract,
            "title": _("Amend contract %(reference)s") % {"reference": contract.reference},
        },
    )


def _simple_form(request, *, form, title: str, back_url: str):
    return render(request, "form_page.html", {"form": form, "title": title, "back_url": back_url})


@login_required
def evaluation_create(request, pk: int):
    contract = get_object_or_404(Contract.objects.all(), pk=pk)
    require_role(request, *CONTRACT_WRITERS)
    form = EvaluationForm(request.POST or None)
    if save_form(
        request,
        form,
        lambda data: services.evaluation_create(actor=request.user, contract=contract, **data),
        success=_("The quarterly talk has been recorded. Add its action items below."),
    ):
        return redirect(f"{contract.get_absolute_url()}#evaluaties")
    return _simple_form(request, form=form, title=_("Record a quarterly talk"), back_url=contract.get_absolute_url())


@login_required
def action_item_create(request, pk: int):
    evaluation = get_object_or_404(ContractEvaluation.objects.select_related("contract"), pk=pk)
    require_role(request, *CONTRACT_WRITERS)
    form = ActionItemForm(request.POST or None)
    back = f"{evaluation.contract.get_absolute_url()}#evaluaties"
    if save_form(
        request,
        form,
        lambda data: services.action_item_create(actor=request.user, evaluation=evaluation, **data),
        success=_("The action item has been added."),
    ):
        return redirect(back)
    title = _("Action item for the talk of %(quarter)s") % {"quarter": evaluation.quarter_label}
    return _simple_form(request, form=form, title=title, back_url=back)


@login_required
@require_POST
def action_item_toggle(request, pk: int):
    item = get_object_or_404(ActionItem.objects.select_related("evaluation__contract"), pk=pk)
    require_role(request, *CONTRACT_WRITERS)
    new_status = ActionItemStatus.OPEN if item.status == ActionItemStatus.DONE else ActionItemStatus.DONE
    services.action_item_set_status(actor=request.user, item=item, status=new_status)
    messages.success(
        request,
        _("Action item “%(item)s” is now %(status)s.")
        % {"item": item.description, "status": item.get_status_display()},
    )
    return redirect(f"{item.evaluation.contract.get_absolute_url()}#evaluaties")


@login_required
def finding_create(request, pk: int):
    contract = get_object_or_404(Contract.objects.all(), pk=pk)
    require_role(request, *CONTRACT_WRITERS)
    form = FindingForm(request.POST or None)
    back = f"{contract.get_absolute_url()}#tekortkomingen"
    if save_form(
        request,
        form,
        lambda data: services.finding_create(actor=request.user, contract=contract, **data),
        success=_("The finding has been recorded."),
    ):
        return redirect(back)
    return _simple_form(request, form=form, title=_("Record a provider finding"), back_url=back)


@login_required
def finding_update(request, pk: int):
    finding = get_object_or_404(ProviderFinding.objects.select_related("contract"), pk=pk)
    require_role(request, *CONTRACT_WRITERS)
    form = FindingForm(request.POST or None, instance=finding)
    back = f"{finding.contract.get_absolute_url()}#tekortkomingen"
    if save_form(
        request,
        form,
        lambda data: services.finding_update(actor=request.user, finding=finding, **data),
        success=_("The finding has been updated."),
    ):
        return redirect(back)
    return _simple_form(request, form=form, title=_("Update provider finding"), back_url=back)
