"""Downloads of the reports app: a contract's settlement (XLSX, CSV) and the CBS quarterly delivery.

Thin: parse the input, look the object up through the scoped manager (404 when invisible), check
the role (403), call reports.settlement / reports.exports, and answer with the file. Nothing is
cached (personal data: learner numbers, and for CBS the BSN). The CBS file leaves only through a
deliberate form POST (CSRF-protected), and each download is written to the dossiers' access log.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from contracts.models import Contract
from inburgering.tenancy.models import Municipality
from inburgering.tenancy.permissions import require_role, role_required
from reports import exports
from reports.periods import Period, Quarter, last_complete_quarter, parse_month, recent_quarters
from reports.permissions import CBS_EXPORTERS, SETTLEMENT_READERS
from reports.settlement import contract_settlement

XLSX = "xlsx"
CSV = "csv"
QUARTERS_OFFERED = 8


def parse_period(text: str) -> Period:
    """A quarter ``JJJJ-Kn`` or a calendar month ``JJJJ-MM``; a clear message otherwise."""
    text = (text or "").strip()
    if "K" in text.upper():
        return Quarter.parse(text)
    try:
        return parse_month(text)
    except ValueError:
        raise ValueError(
            _("Give the period as a quarter (YYYY-K1 to YYYY-K4) or a month (YYYY-MM), for example 2026-K3 or 2026-03.")
        ) from None


def _attachment(content, content_type: str, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, file_name)
    return response


@never_cache
@login_required
def settlement_download(request, pk: int, output: str):
    """``/rapportages/contracten/<pk>/afrekening.xlsx?periode=2026-K3`` (or ``.csv``; or a month 2026-03)."""
    contract = get_object_or_404(Contract.objects.select_related("provider"), pk=pk)
    require_role(request, *SETTLEMENT_READERS)
    try:
        period = parse_period(request.GET.get("periode", ""))
    except ValueError as error:
        return render(
            request,
            "reports/download_error.html",
            {
                "title": _("The settlement cannot be made"),
                "message": str(error),
                "back_url": reverse("contract_detail", kwargs={"pk": contract.pk}),
            },
            status=400,
        )
    settlement = contract_settlement(contract, period)
    if output == XLSX:
        return _attachment(
            exports.settlement_xlsx(settlement),
            exports.XLSX_CONTENT_TYPE,
            exports.settlement_file_name(settlement, XLSX),
        )
    return _attachment(
        exports.settlement_csv(settlement), exports.CSV_CONTENT_TYPE, exports.settlement_file_name(settlement, CSV)
    )


class CbsExportForm(forms.Form):
    # A select of recent quarters; any earlier quarter is accepted too (a corrected delivery), a future one not.
    kwartaal = forms.CharField(label=gettext_lazy("Quarter"), widget=forms.Select)
    gemeente = forms.ModelChoiceField(
        label=gettext_lazy("Municipality"),
        queryset=Municipality.unscoped.none(),  # the scoped queryset is set per request, never at import
        required=False,
        to_field_name="cbs_code",
        empty_label=gettext_lazy("All municipalities of the region"),
    )

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        quarters = recent_quarters(today, QUARTERS_OFFERED)
        self.fields["kwartaal"].widget.choices = [(quarter.label, quarter.label) for quarter in quarters]
        self.fields["kwartaal"].initial = last_complete_quarter(today).label
        self.fields["gemeente"].queryset = Municipality.objects.order_by("name")
        self.fields["gemeente"].label_from_instance = lambda municipality: (
            f"{municipality.name} ({municipality.cbs_code})"
        )

    def clean_kwartaal(self) -> Quarter:
        try:
            quarter = Quarter.parse(self.cleaned_data["kwartaal"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        if quarter.start > self.today:
            raise forms.ValidationError(_("This quarter has not started yet."))
        return quarter


def _cbs_page(request, form: CbsExportForm, *, status: int = 200):
    return render(
        request,
        "reports/cbs_export.html",
        {"form": form, "columns": exports.CBS_COLUMNS},
        status=status,
    )


@never_cache
@role_required(*CBS_EXPORTERS)
def cbs_export(request):
    """The page of the CBS delivery: choose a quarter and (optionally) a municipality."""
    return _cbs_page(request, CbsExportForm(today=timezone.localdate()))


@never_cache
@role_required(*CBS_EXPORTERS)
@require_POST
def cbs_export_download(request):
    """The CSV for CBS, with one access-log row per learner in it (the BSN leaves the application)."""
    form = CbsExportForm(request.POST, today=timezone.localdate())
    if not form.is_valid():
        return _cbs_page(request, form, status=400)
    quarter = form.cleaned_data["kwartaal"]
    municipality = form.cleaned_data["gemeente"]
    rows = exports.cbs_rows(quarter, municipality=municipality, tenant=request.tenancy.active_tenant)
    exports.cbs_export_audit(user=request.user, learner_ids=[row.learner_id for row in rows])
    return _attachment(exports.cbs_csv(rows), exports.CSV_CONTENT_TYPE, exports.cbs_file_name(quarter, municipality))
