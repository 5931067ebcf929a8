"""Forms of the report pages: the quarter picker, the what-if simulator and saving a scenario."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.periods import Period, Quarter, add_months, last_complete_quarter, parse_month, recent_quarters
from reports.simulator import PARAMETER_NAMES

# How far back the quarter picker offers quarters (an older one can still be typed in the address).
PICKER_QUARTERS = 8
# The simulator prices at most this many months at once (guide 4.3 compares models over a contract year).
MAX_SIMULATION_MONTHS = 24

# The simulator's parameters in the address bar: Dutch names (DESIGN.md "Language") for the rates.
PARAMETER_FIELDS = {
    "fixed_fee_per_learner": "vast_bedrag",
    "hourly_rate": "uurtarief",
    "absence_allowance_percentage": "afwezigheidsruimte",
    "extension_share_percentage": "aandeel_verlenging",
    "result_fee": "resultaatvergoeding",
    "bonus_a1_a2": "bonus_a1_a2",
    "bonus_a2_b1": "bonus_a2_b1",
    "bonus_b1_b2": "bonus_b1_b2",
}
PARAMETER_LABELS = {
    "fixed_fee_per_learner": gettext_lazy("Fixed amount per learner (€)"),
    "hourly_rate": gettext_lazy("Hourly rate (€)"),
    "absence_allowance_percentage": gettext_lazy("Paid absence allowance (%)"),
    "extension_share_percentage": gettext_lazy("Municipality's share of extension hours (%)"),
    "result_fee": gettext_lazy("Result fee per trajectory passed (€)"),
    "bonus_a1_a2": gettext_lazy("Bonus A1 → A2 (€)"),
    "bonus_a2_b1": gettext_lazy("Bonus A2 → B1 (€)"),
    "bonus_b1_b2": gettext_lazy("Bonus B1 → B2 (€)"),
}
PERCENTAGES = {"absence_allowance_percentage", "extension_share_percentage"}


def quarter_choice_label(quarter: Quarter) -> str:
    return f"{quarter.label} ({quarter.start:%d-%m-%Y} – {quarter.end:%d-%m-%Y})"


class QuarterForm(forms.Form):
    """``?kwartaal=2026-K3``; without one (or with an invalid one) the last complete quarter."""

    kwartaal = forms.CharField(label=gettext_lazy("Quarter"), required=False, widget=forms.Select)

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.default = last_complete_quarter(today)
        self.quarters = recent_quarters(today, PICKER_QUARTERS)

    def clean_kwartaal(self) -> Quarter:
        text = (self.cleaned_data.get("kwartaal") or "").strip()
        if not text:
            return self.default
        try:
            quarter = Quarter.parse(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error
        if quarter.start > self.today:
            raise forms.ValidationError(_("Quarter %(quarter)s has not started yet.") % {"quarter": quarter.label})
        return quarter

    @property
    def quarter(self) -> Quarter:
        """The chosen quarter; the default when none or an invalid one was given (the error shows)."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["kwartaal"]
        return self.default

    def prepare_picker(self) -> None:
        """Offer the recent quarters (and the chosen one), with the quarter in use selected."""
        quarter = self.quarter
        quarters = self.quarters
        if quarter not in quarters:
            quarters = sorted([*quarters, quarter], key=lambda item: item.start, reverse=True)
        field = self.fields["kwartaal"]
        field.widget.choices = [(item.label, quarter_choice_label(item)) for item in quarters]
        self.initial["kwartaal"] = quarter.label
        if self.is_bound:
            # Show the quarter in use even after an invalid value; the error stays with the field.
            self.data = self.data.copy()
            self.data["kwartaal"] = quarter.label


def _month_field(label) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=7,
        help_text=gettext_lazy("YYYY-MM, for example 2026-07"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 8}),
        error_messages={"required": gettext_lazy("Give a month as YYYY-MM, for example 2026-03.")},
    )


def _parameter_field(name: str) -> forms.DecimalField:
    maximum = Decimal(100) if name in PERCENTAGES else Decimal("99999999.99")
    field = forms.DecimalField(
        label=PARAMETER_LABELS[name],
        max_digits=10,
        decimal_places=2,
        localize=True,
        validators=[
            MinValueValidator(Decimal(0), message=gettext_lazy("Give 0 or more.")),
            MaxValueValidator(
                maximum,
                message=gettext_lazy("A percentage is at most 100.")
                if name in PERCENTAGES
                else gettext_lazy("This amount is too large."),
            ),
        ],
        error_messages={
            "required": gettext_lazy("Give an amount (0 if the model should not use it)."),
            "invalid": gettext_lazy("Give a number, for example 45,50."),
            "max_digits": gettext_lazy("This amount is too large."),
            "max_whole_digits": gettext_lazy("This amount is too large."),
            "max_decimal_places": gettext_lazy("Give at most 2 decimals."),
        },
    )
    # Dutch users type a decimal comma (45,50); a number input would refuse it.
    field.widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 10})
    field.widget.is_localized = True
    return field


class SimulatorForm(forms.Form):
    """The period (whole months) and the rates; one set of numbers priced under every financing model."""

    van = _month_field(gettext_lazy("From month"))
    tot = _month_field(gettext_lazy("Until month (included)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in PARAMETER_NAMES:
            self.fields[PARAMETER_FIELDS[name]] = _parameter_field(name)

    @classmethod
    def initial_for(cls, *, period: Period, parameters: dict) -> dict:
        initial = {"van": f"{period.start:%Y-%m}", "tot": f"{period.end:%Y-%m}"}
        initial.update({PARAMETER_FIELDS[name]: Decimal(str(parameters[name])) for name in PARAMETER_NAMES})
        return initial

    def _month(self, name: str) -> Period | None:
        try:
            return parse_month(self.cleaned_data.get(name) or "")
        except ValueError as error:
            self.add_error(name, str(error))
            return None

    def clean(self):
        cleaned = super().clean()
        start = self._month("van") if "van" in cleaned else None
        end = self._month("tot") if "tot" in cleaned else None
        if start is not None and end is not None:
            if start.start > end.start:
                self.add_error("tot", _("The until month comes before the from month."))
            elif add_months(start.start, MAX_SIMULATION_MONTHS) <= end.start:
                self.add_error(
                    "tot", _("Choose a period of at most %(months)s months.") % {"months": MAX_SIMULATION_MONTHS}
                )
            else:
                cleaned["period"] = Period(start=start.start, end=end.end, label=f"{start.label} – {end.label}")
        return cleaned

    @property
    def period(self) -> Period:
        return self.cleaned_data["period"]

    @property
    def parameters(self) -> dict[str, Decimal]:
        """The valid form's rates under the simulator's parameter names."""
        return {name: self.cleaned_data[PARAMETER_FIELDS[name]] for name in PARAMETER_NAMES}

    def parameter_fields(self):
        return [self[PARAMETER_FIELDS[name]] for name in PARAMETER_NAMES]


class ScenarioForm(SimulatorForm):
    """Save the simulator's numbers under a name: the period and rates come as hidden fields."""

    naam = forms.CharField(
        label=gettext_lazy("Name of the scenario"),
        max_length=120,
        error_messages={"required": gettext_lazy("Give the scenario a name.")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_opslaan_%s")  # the simulator form on the same page has the same names
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "naam":
                field.widget = forms.HiddenInput()
                field.widget.is_localized = True

    def stored_parameters(self) -> dict[str, str]:
        """As kept in the scenario's JSON: decimal strings under the simulator's names."""
        return {name: str(value) for name, value in self.parameters.items()}


def default_period(today: date) -> Period:
    return last_complete_quarter(today)
