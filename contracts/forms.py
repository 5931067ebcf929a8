from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts import rules
from contracts.models import (
    ActionItem,
    Contract,
    ContractEvaluation,
    ContractStatus,
    FindingStatus,
    ProviderFinding,
    Route,
    default_checkpoint_hours,
    default_dagdelen,
)
from contracts.presentation import SECTIONS
from inburgering.tenancy.models import Municipality, Provider, RegionProvider


class HoursListField(forms.CharField):
    """'300, 600' ↔ [300, 600]; the model's clean() checks the content."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(item) for item in value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return []
        parts = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
        try:
            return [int(part) for part in parts]
        except ValueError as error:
            raise forms.ValidationError(
                _("Give whole numbers of hours separated by commas, for example 300, 600.")
            ) from error


class ContractForm(forms.ModelForm):
    municipalities = forms.ModelMultipleChoiceField(
        label=_("Municipalities covered"),
        queryset=Municipality.unscoped.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one municipality the contract covers.")},
    )
    dagdelen_per_week = forms.TypedMultipleChoiceField(
        label=_("Dayparts per week allowed"),
        choices=[(n, str(n)) for n in rules.DAGDELEN_CHOICES],
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=default_dagdelen,
    )
    checkpoint_hours = HoursListField(
        label=_("Checkpoints (hours)"),
        required=False,
        initial=default_checkpoint_hours,
        help_text=_("Separated by commas, for example 300, 600."),
    )

    class Meta:
        model = Contract
        fields = [name for _key, _label, names in SECTIONS for name in names]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "b2_conditions": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, tenant, amending: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipalities"].queryset = Municipality.objects.filter(tenant=tenant).order_by("name")
        linked = RegionProvider.objects.filter(tenant=tenant, is_active=True).values("provider_id")
        providers = Provider.objects.filter(pk__in=linked)
        if self.instance.pk:
            providers = Provider.objects.filter(pk__in=linked) | Provider.objects.filter(pk=self.instance.provider_id)
        self.fields["provider"].queryset = providers.order_by("name")
        if self.instance.pk:
            self.initial.setdefault("municipalities", list(self.instance.municipalities.all()))
        for field in self.fields.values():
            if isinstance(field, forms.DecimalField):
                # Dutch users type a decimal comma (45,50); a number input would refuse it.
                field.localize = True
                field.widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
                field.widget.is_localized = True
        if amending:
            self.fields["reason"] = forms.CharField(
                label=_("Reason for the amendment"),
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Kept in the change log with your name and the date."),
                error_messages={"required": _("Give the reason for this amendment; it is kept in the change log.")},
            )

    def _post_clean(self):
        # Validation of the agreements runs once, in contracts.services.contract_validate, for the form
        # and the API alike; so the form only converts types here.
        pass

    def fieldsets(self):
        return [(key, label, [self[name] for name in names if name in self.fields]) for key, label, names in SECTIONS]

    def contract_fields(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name not in {"municipalities", "reason"}}


class ContractFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, help_text=_("Reference or title"))
    taalaanbieder = forms.ChoiceField(label=_("Language provider"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("all"))] + ContractStatus.choices)
    route = forms.ChoiceField(label=_("Route"), required=False, choices=[("", _("all"))] + Route.choices)

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["taalaanbieder"].choices = [("", _("all"))] + [(p.kvk_number, p.name) for p in providers]


class EvaluationForm(forms.ModelForm):
    class Meta:
        model = ContractEvaluation
        fields = ["date", "attendees", "summary", "agreements"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "attendees": forms.Textarea(attrs={"rows": 2}),
            "summary": forms.Textarea(attrs={"rows": 4}),
            "agreements": forms.Textarea(attrs={"rows": 3}),
        }


class ActionItemForm(forms.ModelForm):
    class Meta:
        model = ActionItem
        fields = ["description", "owner", "due_date"]
        widgets = {"due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class FindingForm(forms.ModelForm):
    status = forms.ChoiceField(label=_("Status"), choices=FindingStatus.choices, initial=FindingStatus.OPEN)

    class Meta:
        model = ProviderFinding
        fields = ["date", "category", "description", "consequence", "status"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
            "consequence": forms.Textarea(attrs={"rows": 2}),
        }
