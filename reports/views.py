"""Report pages: dashboards (region, contract, provider), quarterly reports and the what-if simulator.

Thin views: the scoped lookup first (another region's or provider's object: 404), then the role (403),
then the figures (``reports.kpis``, ``reports.settlement``, ``reports.simulator``) and the charts.
Every dashboard runs a fixed number of queries, whatever the number of contracts and learners.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from contracts.models import Contract, ContractStatus
from inburgering.forms import save_form
from inburgering.tenancy.models import Provider, Role
from inburgering.tenancy.permissions import require_role, role_required
from reports import charts, services
from reports.forms import PARAMETER_FIELDS, QuarterForm, ScenarioForm, SimulatorForm, default_period
from reports.kpis import (
    AGE_LABELS,
    END_REASON_LABELS,
    ROUTE_LABELS,
    STATUS_LABELS,
    ContractQuarterFigures,
    RagStatus,
    combined_figures,
    hours,
    quarter_figures,
)
from reports.models import QuarterlyReport, ReportStatus, SimulationScenario
from reports.periods import Quarter
from reports.permissions import (
    CBS_EXPORTERS,
    DASHBOARD_READERS,
    REPORT_READERS,
    REPORT_WRITERS,
    SCENARIO_WRITERS,
    SETTLEMENT_READERS,
    SIMULATOR_USERS,
)
from reports.settlement import LineKind, contract_settlement
from reports.simulator import FINANCING_MODELS, default_parameters, simulate

# The region-wide views: the region's contract side and policy viewers (aggregates only).
REGION_READERS = (Role.CONTRACT_MANAGER, Role.TENANT_ADMIN, Role.POLICY_VIEWER)
# Who lands on the overview of the region's contracts (policy viewers land on the region dashboard).
OVERVIEW_READERS = (Role.CONTRACT_MANAGER, Role.TENANT_ADMIN)

# The chart of the enforcement funnel (reports.charts), left out for provider staff.
ENFORCEMENT_CHART = "handhaving"
# What each financing model pays for (the simulator's explanation), by the simulator's model key.
MODEL_EXPLANATIONS = {
    "vast_bedrag": gettext_lazy(
        "one fixed amount per learner, due in the period the learner's first trajectory started."
    ),
    "uurtarief": gettext_lazy(
        "attended hours plus absent hours within the absence allowance, times the hourly rate; hours above the "
        "contract maximum only within a granted extension, at the municipality's share."
    ),
    "resultaat": gettext_lazy(
        "the result fee for each trajectory ended as passed, plus the bonus for each level step reached."
    ),
    "hybride": gettext_lazy("all parts together: fixed amount, hours, result fee and level-step bonuses."),
    "niveaustap": gettext_lazy("the fixed amount per learner plus the bonus for each level step reached (guide 4.3)."),
}


# --- Shared pieces ---------------------------------------------------------------------------------


def _quarter_form(request) -> QuarterForm:
    form = QuarterForm(request.GET if "kwartaal" in request.GET else None, today=timezone.localdate())
    form.prepare_picker()
    return form


def _page_context(request) -> dict:
    """What every dashboard shows on top: the quarter (picker) and the region."""
    quarter_form = _quarter_form(request)
    return {
        "quarter_form": quarter_form,
        "quarter": quarter_form.quarter,
        "region": request.tenancy.active_tenant,
        "rag_labels": RagStatus.LABELS,
    }


def _contracts_running_in(quarter: Quarter) -> list[Contract]:
    """The contracts in scope that ran during the quarter (drafts left out): one query."""
    return list(
        Contract.objects.filter(start_date__lte=quarter.end, end_date__gte=quarter.start)
        .exclude(status=ContractStatus.DRAFT)
        .select_related("provider")
        .order_by("reference")
    )


def _breakdown(counter, labels: dict) -> list[tuple[str, int]]:
    """(label, count) in the order of the label dict; unknown keys at the end under their own name."""
    rows = [(label, counter.get(key, 0)) for key, label in labels.items()]
    rows.extend((str(key), count) for key, count in counter.items() if key not in labels)
    return rows


def _learner_tables(figures: ContractQuarterFigures) -> list[tuple[str, str, list[tuple[str, int]]]]:
    return [
        ("route", _("By route"), _breakdown(figures.learners_by_route, ROUTE_LABELS)),
        ("status", _("By status at the end of the quarter"), _breakdown(figures.learners_by_status, STATUS_LABELS)),
        ("leeftijd", _("By age at the end of the quarter"), _breakdown(figures.learners_by_age, AGE_LABELS)),
    ]


def _figure_context(request, figures: ContractQuarterFigures) -> dict:
    # Absence alerts and enforcement are the municipality's: the provider's scope holds none of them,
    # so its dashboards leave out the funnel rather than show zeros (a shared quarterly report has it).
    enforcement = not request.tenancy.is_provider_staff
    return {
        "figures": figures,
        "offered_hours": hours(figures.offered_minutes),
        "attended_hours": hours(figures.attended_minutes),
        "charts": [chart for chart in charts.quarter_charts(figures) if enforcement or chart.key != ENFORCEMENT_CHART],
        "shows_enforcement": enforcement,
        "learner_tables": _learner_tables(figures),
        "ended_by_reason": _breakdown(figures.ended_by_reason, END_REASON_LABELS),
    }


def _url_with_quarter(name: str, quarter: Quarter, *args) -> str:
    return f"{reverse(name, args=args)}?kwartaal={quarter.label}"


# --- Entry page and region dashboards --------------------------------------------------------------


@role_required(*DASHBOARD_READERS)
def reports_home(request):
    """The entry: the contract side gets the region's contracts, policy viewers the region dashboard,
    provider staff their own dashboard (rendered here, so the menu item stays the current page)."""
    if request.tenancy.has_role(*OVERVIEW_READERS):
        return _region_overview(request)
    if request.tenancy.has_role(Role.POLICY_VIEWER):
        return _region_dashboard(request)
    return _provider_dashboard(request)


def _region_overview(request):
    context = _page_context(request)
    quarter = context["quarter"]
    contracts = _contracts_running_in(quarter)
    figures = quarter_figures(contracts, quarter)
    reports = {}
    for report in QuarterlyReport.objects.filter(
        contract_id__in=[contract.pk for contract in contracts], year=quarter.year, quarter=quarter.number
    ).order_by("requested_at", "pk"):
        reports[report.contract_id] = report  # the newest counts
    context.update(
        rows=[(contract, figures[contract.pk].kpis, reports.get(contract.pk)) for contract in contracts],
        kpi_headers=ContractQuarterFigures(contract=None, quarter=quarter).kpis,
        region_url=_url_with_quarter("dashboard_region", quarter),
        may_export_cbs=request.tenancy.has_role(*CBS_EXPORTERS),
    )
    return render(request, "reports/home.html", context)


def _region_dashboard(request):
    context = _page_context(request)
    quarter = context["quarter"]
    contracts = _contracts_running_in(quarter)
    figures = quarter_figures(contracts, quarter)
    combined = combined_figures(list(figures.values()), quarter)
    context.update(
        rows=[(contract, figures[contract.pk].kpis, None) for contract in contracts],
        kpi_headers=combined.kpis,
        contract_count=len(contracts),
        show_contract_count=True,
    )
    context.update(_figure_context(request, combined))
    return render(request, "reports/dashboard_region.html", context)


@role_required(*REGION_READERS)
def dashboard_region(request):
    return _region_dashboard(request)


@role_required(Role.PROVIDER_STAFF)
def dashboard_provider(request):
    return _provider_dashboard(request)


def _provider_dashboard(request):
    context = _page_context(request)
    quarter = context["quarter"]
    contracts = _contracts_running_in(quarter)  # the scope: this provider's contracts in the active region
    figures = quarter_figures(contracts, quarter)
    combined = combined_figures(list(figures.values()), quarter)
    providers = Provider.objects.filter(pk__in=request.tenancy.provider_ids).order_by("name")
    context.update(
        provider_names=", ".join(provider.name for provider in providers),
        has_other_regions=len(request.tenancy.available_tenants) > 1,
        contract_rows=[(contract, figures[contract.pk]) for contract in contracts],
        contract_count=len(contracts),
        show_contract_count=True,
    )
    context.update(_figure_context(request, combined))
    return render(request, "reports/dashboard_provider.html", context)


# --- One contract ----------------------------------------------------------------------------------


def _contract(pk: int) -> Contract:
    return get_object_or_404(Contract.objects.select_related("provider", "tenant"), pk=pk)


def _report_list_context(request, contract: Contract, quarter: Quarter) -> dict:
    reports = list(
        QuarterlyReport.objects.filter(contract=contract, year=quarter.year, quarter=quarter.number).order_by(
            "-requested_at", "-pk"
        )
    )
    for report in reports:
        report.contract = contract  # file names read the reference: no query per row
    return {
        "contract": contract,
        "quarter": quarter,
        "reports": reports,
        "pending": any(report.status == ReportStatus.PENDING for report in reports),
        "can_make_reports": request.tenancy.has_role(*REPORT_WRITERS),
    }


@login_required
def dashboard_contract(request, pk: int):
    contract = _contract(pk)
    require_role(request, *DASHBOARD_READERS)
    context = _page_context(request)
    quarter = context["quarter"]
    figures = quarter_figures([contract], quarter)[contract.pk]
    context.update(
        contract=contract,
        kpis=figures.kpis,
        may_simulate=request.tenancy.has_role(*SIMULATOR_USERS),
        may_read_reports=request.tenancy.has_role(*REPORT_READERS),
    )
    context.update(_figure_context(request, figures))
    if request.tenancy.has_role(*SETTLEMENT_READERS):
        context["settlement"] = contract_settlement(contract, quarter)
        context["download_xlsx"] = f"{reverse('settlement_xlsx', args=[contract.pk])}?periode={quarter.label}"
        context["download_csv"] = f"{reverse('settlement_csv', args=[contract.pk])}?periode={quarter.label}"
    context.update(_report_list_context(request, contract, quarter))
    return render(request, "reports/dashboard_contract.html", context)


# --- Quarterly reports -----------------------------------------------------------------------------


@never_cache
@require_GET
@login_required
def quarterly_report_status(request, pk: int):
    """The report list of a contract and quarter as a fragment: htmx polls it while one is being made."""
    contract = _contract(pk)
    require_role(request, *REPORT_READERS)
    quarter = _quarter_form(request).quarter
    return render(request, "reports/partials/quarterly_reports.html", _report_list_context(request, contract, quarter))


@require_POST
@login_required
def quarterly_report_create(request, pk: int):
    contract = _contract(pk)
    require_role(request, *REPORT_WRITERS)
    form = QuarterForm(request.POST, today=timezone.localdate())
    if not (request.POST.get("kwartaal") or "").strip() or not form.is_valid():
        for message in form.errors.get("kwartaal") or [_("Choose the quarter of the report.")]:
            messages.error(request, message)
        return redirect(f"{reverse('dashboard_contract', args=[contract.pk])}#kwartaalrapportages")
    quarter = form.cleaned_data["kwartaal"]
    back = f"{_url_with_quarter('dashboard_contract', quarter, contract.pk)}#kwartaalrapportages"
    try:
        services.quarterly_report_request(actor=request.user, contract=contract, quarter=quarter)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    messages.success(
        request,
        _("The report for %(quarter)s is being made. This page shows when it is ready.") % {"quarter": quarter.label},
    )
    return redirect(back)


@never_cache
@login_required
def quarterly_report_pdf(request, pk: int):
    report = get_object_or_404(QuarterlyReport.objects.select_related("contract"), pk=pk)
    require_role(request, *REPORT_READERS)
    if report.status != ReportStatus.READY or not report.file:
        raise Http404
    try:
        stored = report.file.open("rb")
    except FileNotFoundError as missing:  # the row survived a storage loss: no file to give
        raise Http404 from missing
    return FileResponse(stored, as_attachment=True, filename=report.file_name, content_type="application/pdf")


@require_POST
@login_required
def quarterly_report_share(request, pk: int):
    report = get_object_or_404(QuarterlyReport.objects.select_related("contract__provider"), pk=pk)
    require_role(request, *REPORT_WRITERS)
    quarter = Quarter.of(report.year, report.quarter)
    back = f"{_url_with_quarter('dashboard_contract', quarter, report.contract_id)}#kwartaalrapportages"
    shared = request.POST.get("gedeeld")
    if shared not in {"0", "1"}:
        messages.error(request, _("Choose to share the report or to withdraw the sharing."))
        return redirect(back)
    try:
        services.quarterly_report_share(actor=request.user, report=report, shared=shared == "1")
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    if shared == "1":
        message = _("The report is shared with %(provider)s.") % {"provider": report.contract.provider.name}
    else:
        message = _("The report is no longer shared with %(provider)s.") % {"provider": report.contract.provider.name}
    messages.success(request, message)
    return redirect(back)


# --- The what-if simulator -------------------------------------------------------------------------


def _simulator_page(request, contract: Contract, *, form: SimulatorForm, period=None, parameters=None, save=None):
    """The simulator for a valid ``period`` and ``parameters`` (or just the form and its errors)."""
    context = {
        "contract": contract,
        "form": form,
        "parameter_fields": form.parameter_fields(),
        "scenarios": list(contract.scenarios.select_related("created_by")),
        "may_save": request.tenancy.has_role(*SCENARIO_WRITERS),
        "model_explanations": [(label, MODEL_EXPLANATIONS[key]) for key, label, _names in FINANCING_MODELS],
        "current_model": contract.get_financing_model_display(),
    }
    if period is not None:
        outcomes = simulate(contract, period, parameters)
        context.update(
            period=period,
            outcomes=outcomes,
            rows=[
                (LineKind.LABELS[kind], [outcome.amount_of(kind) for outcome in outcomes]) for kind in LineKind.ORDER
            ],
            charts=[charts.financing_models_chart(outcomes)],
            current_index=next((index for index, outcome in enumerate(outcomes) if outcome.is_current), None),
            save_form=save or ScenarioForm(initial=SimulatorForm.initial_for(period=period, parameters=parameters)),
        )
    return render(request, "reports/simulator.html", context)


@login_required
def simulator(request, pk: int):
    """GET only, nothing stored: the address holds the whole calculation, so it can be shared."""
    contract = _contract(pk)
    require_role(request, *SIMULATOR_USERS)
    if any(name in request.GET for name in ("van", "tot", *PARAMETER_FIELDS.values())):
        form = SimulatorForm(request.GET)
        if not form.is_valid():
            return _simulator_page(request, contract, form=form)
        return _simulator_page(request, contract, form=form, period=form.period, parameters=form.parameters)
    period, parameters = default_period(timezone.localdate()), default_parameters(contract)
    raw = request.GET.get("scenario")
    if raw is not None:
        if not raw.isdigit():
            raise Http404
        scenario = get_object_or_404(contract.scenarios.all(), pk=int(raw))
        loaded = SimulatorForm(
            {
                "van": f"{scenario.period_start:%Y-%m}",
                "tot": f"{scenario.period_end:%Y-%m}",
                **{
                    PARAMETER_FIELDS[name]: value
                    for name, value in scenario.parameters.items()
                    if name in PARAMETER_FIELDS
                },
            }
        )
        # Saved parameters are plain decimals ("45.00"): read them unlocalized, fall back to the defaults.
        for field in loaded.fields.values():
            field.localize = False
        if loaded.is_valid():
            period, parameters = loaded.period, loaded.parameters
            messages.info(request, _("Scenario “%(name)s” is loaded.") % {"name": scenario.name})
        else:
            messages.warning(
                request,
                _("Scenario “%(name)s” could not be read; the contract's own rates are shown.")
                % {"name": scenario.name},
            )
    form = SimulatorForm(initial=SimulatorForm.initial_for(period=period, parameters=parameters))
    return _simulator_page(request, contract, form=form, period=period, parameters=parameters)


@require_POST
@login_required
def scenario_save(request, pk: int):
    contract = _contract(pk)
    require_role(request, *SCENARIO_WRITERS)
    form = ScenarioForm(request.POST)
    scenario = save_form(
        request,
        form,
        lambda data: services.scenario_save(
            actor=request.user,
            contract=contract,
            name=data["naam"],
            start=form.period.start,
            end=form.period.end,
            parameters=form.stored_parameters(),
        ),
        success=lambda saved: _("Scenario “%(name)s” has been saved.") % {"name": saved.name},
    )
    if scenario is not None:
        return redirect(f"{reverse('simulator', args=[contract.pk])}?scenario={scenario.pk}")
    # Show the same numbers again with the save form's errors (or the form's, if the numbers were wrong).
    numbers = SimulatorForm(request.POST)
    if numbers.is_valid():
        return _simulator_page(
            request, contract, form=numbers, period=numbers.period, parameters=numbers.parameters, save=form
        )
    return _simulator_page(request, contract, form=numbers)


@require_POST
@login_required
def scenario_delete(request, pk: int):
    scenario = get_object_or_404(SimulationScenario.objects.select_related("contract"), pk=pk)
    require_role(request, *SCENARIO_WRITERS)
    contract_id, name = scenario.contract_id, scenario.name
    services.scenario_delete(actor=request.user, scenario=scenario)
    messages.success(request, _("Scenario “%(name)s” has been deleted.") % {"name": name})
    return redirect("simulator", pk=contract_id)
