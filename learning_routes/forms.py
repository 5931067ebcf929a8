from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts import rules as contract_rules
from contracts.models import Contract, ContractStatus, Route
from inburgering.tenancy.models import Municipality, Role, User
from learning_routes.models import (
    EndReason,
    ExamResult,
    Learner,
    Level,
    TermExtension,
    Trajectory,
    TrajectoryStatus,
)

DATE_WIDGET = {"type": "date"}


def _date_input():
    return forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d")


class ServiceValidatedModelForm(forms.ModelForm):
    """Converts types only; the service validates (once, for the browser and the API alike)."""

    def _post_clean(self):
        pass


class LearnerForm(ServiceValidatedModelForm):
    bsn = forms.CharField(
        label=_("BSN"),
        max_length=11,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}),
    )
    # Declared, so no query runs at import; the queryset is set per request, inside the scope.
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=Municipality.unscoped.none())

    class Meta:
        model = Learner
        fields = [
            "bsn",
            "municipality",
            "first_name",
            "last_name",
            "date_of_birth",
            "phone",
            "email",
            "is_asylum_permit_holder",
            "pip_date",
            "case_manager",
        ]
        widgets = {"date_of_birth": _date_input(), "pip_date": _date_input()}

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        # The caller's scope decides: a case manager can only choose their own municipality.
        self.fields["municipality"].queryset = Municipality.objects.filter(tenant=tenant).order_by("name")
        self.fields["case_manager"].queryset = (
            User.objects.filter(
                memberships__tenant=tenant, memberships__role=Role.CASE_MANAGER, memberships__is_active=True
            )
            .distinct()
            .order_by("last_name", "first_name")
        )
        if self.instance.pk:
            self.fields["bsn"].required = False
            self.fields["bsn"].help_text = _("Leave empty to keep the registered BSN (%(masked)s).") % {
                "masked": self.instance.bsn_masked
            }

    def learner_fields(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "bsn"}


class BsnSearchForm(forms.Form):
    bsn = forms.CharField(
        label=_("Find by BSN"),
        max_length=11,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Sent without showing it in the address bar."),
    )


class LearnerFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, help_text=_("Name or learner number"))
    gemeente = forms.ChoiceField(label=_("Municipality"), required=False)
    route = forms.ChoiceField(label=_("Route"), required=False, choices=[("", _("all"))] + Route.choices)
    status = forms.ChoiceField(
        label=_("Trajectory status"), required=False, choices=[("", _("all"))] + TrajectoryStatus.choices
    )

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gemeente"].choices = [("", _("all"))] + [(m.cbs_code, m.name) for m in municipalities]


class TrajectoryFilterForm(LearnerFilterForm):
    contract = forms.ChoiceField(label=_("Contract"), required=False)

    def __init__(self, *args, contracts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].choices = [("", _("all"))] + [(str(c.pk), c.reference) for c in contracts]
        self.order_fields(["q", "contract", "gemeente", "route", "status"])


class TrajectoryForm(ServiceValidatedModelForm):
    contract = forms.ModelChoiceField(label=_("Contract"), queryset=Contract.unscoped.none())
    dagdelen_per_week = forms.TypedChoiceField(
        label=_("Dayparts per week"), coerce=int, choices=[(n, str(n)) for n in contract_rules.DAGDELEN_CHOICES]
    )

    class Meta:
        model = Trajectory
        fields = [
            "contract",
            "route",
            "status",
            "start_date",
            "dagdelen_per_week",
            "moment_daytime",
            "moment_evening",
            "moment_weekend",
            "moment_online",
            "moment_blended",
            "target_reading",
            "target_listening",
            "target_writing",
            "target_speaking",
            "b2_track",
            "intake_route",
            "intake_learnability",
            "intake_date",
            "intake_advisor",
        ]
        widgets = {"start_date": _date_input(), "intake_date": _date_input()}

    def __init__(self, *args, learner, **kwargs):
        super().__init__(*args, **kwargs)
        # Offer only what can work: active contracts covering the learner's municipality.
        contracts = Contract.objects.filter(
            tenant_id=learner.tenant_id, status=ContractStatus.ACTIVE, coverage__municipality_id=learner.municipality_id
        ).select_related("provider")
        if self.instance.pk:
            contracts = contracts | Contract.objects.filter(pk=self.instance.contract_id)
        self.fields["contract"].queryset = contracts.order_by("reference")
        self.fields["contract"].label_from_instance = lambda c: f"{c.reference} – {c.provider.name}"
        # Downscaled only through a granted level-change request (guide 1.2), never chosen here.
        open_statuses = [TrajectoryStatus.STARTKLAS, TrajectoryStatus.ACTIVE]
        if self.instance.pk and self.instance.status == TrajectoryStatus.DOWNSCALED:
            open_statuses.append(TrajectoryStatus.DOWNSCALED)
        open_choices = [(s.value, s.label) for s in open_statuses]
        self.fields["status"].choices = open_choices
        if not self.instance.pk:
            for target in ("target_reading", "target_listening", "target_writing", "target_speaking"):
                self.fields[target].required = False
                self.fields[target].choices = [("", _("default for the route"))] + list(Level.choices)
                self.fields[target].initial = ""


class TrajectoryEndForm(forms.Form):
    end_date = forms.DateField(label=_("End date"), widget=_date_input())
    end_reason = forms.ChoiceField(
        label=_("End reason"), choices=[(r.value, r.label) for r in EndReason if r != EndReason.ROUTE_SWITCH]
    )


class RouteSwitchForm(forms.Form):
    switch_date = forms.DateField(label=_("Start of the new route"), widget=_date_input())
    route = forms.ChoiceField(label=_("New route"), choices=Route.choices)

    def new_fields(self) -> dict:
        return {"route": self.cleaned_data["route"]}


class ExamResultForm(ServiceValidatedModelForm):
    class Meta:
        model = ExamResult
        fields = ["component", "level", "exam_date", "passed"]
        widgets = {"exam_date": _date_input()}


class TermExtensionForm(ServiceValidatedModelForm):
    class Meta:
        model = TermExtension
        fields = ["new_end_date", "reason"]
        widgets = {"new_end_date": _date_input()}
