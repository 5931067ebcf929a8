"""The verzuimprotocol form: every field of AbsencePolicy, the mapping as four selects and the
authorized reasons as checkboxes. It only converts types; enforcement.policy validates."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from attendance.models import Classification, ReportedReason
from enforcement.models import AbsencePolicy, Culpability
from enforcement.policy import POLICY_FIELDS, placeholder_list

MAPPING_PREFIX = "culpability_"


def mapping_field_name(level: str) -> str:
    return f"{MAPPING_PREFIX}{level}"


class AbsencePolicyForm(forms.ModelForm):
    authorized_reasons = forms.MultipleChoiceField(
        label=_("Reasons that count as authorized"),
        choices=ReportedReason.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = AbsencePolicy
        fields = [
            "threshold_per_month",
            "counting",
            "partial_attendance_counts",
            "automatic_warning_letter",
            "makeup_required",
            "maximum_fine",
            "contact_name",
            "contact_details",
            "letter_text",
        ]
        widgets = {"letter_text": forms.Textarea(attrs={"rows": 18})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mapping = self.instance.culpability_mapping or {}
        for level, label in Culpability.choices:
            self.fields[mapping_field_name(level)] = forms.ChoiceField(
                label=label, choices=Classification.choices, initial=mapping.get(level)
            )
        self.initial.setdefault("authorized_reasons", list(self.instance.authorized_reasons or []))
        fine = self.fields["maximum_fine"]
        # Dutch users type a decimal comma (250,50); a number input would refuse it.
        fine.localize = True
        fine.widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        fine.widget.is_localized = True
        self.fields["letter_text"].help_text = _(
            "Placeholders you can use: %(placeholders)s. Each is filled in for the learner when the letter is made."
        ) % {"placeholders": placeholder_list()}

    def _post_clean(self):
        # The rules of a policy are checked once, in enforcement.policy.absence_policy_validate.
        pass

    def fieldsets(self):
        groups = [
            ("signaal", _("When is an absence signalled?"), ["threshold_per_month", "counting"]),
            ("gedeeltelijk", _("What counts"), ["partial_attendance_counts"]),
            (
                "verwijtbaarheid",
                _("Culpability: authorized or unauthorized"),
                [mapping_field_name(level) for level in Culpability.values],
            ),
            ("redenen", _("Authorized reasons"), ["authorized_reasons"]),
            ("stappen", _("Steps"), ["automatic_warning_letter", "makeup_required", "maximum_fine"]),
            ("contact", _("Contact for learners"), ["contact_name", "contact_details"]),
            ("brief", _("Warning letter"), ["letter_text"]),
        ]
        return [(key, label, [self[name] for name in names]) for key, label, names in groups]

    def policy_fields(self) -> dict:
        data = self.cleaned_data
        values = {name: data[name] for name in POLICY_FIELDS if name in data and name in self.Meta.fields}
        values["culpability_mapping"] = {level: data[mapping_field_name(level)] for level in Culpability.values}
        values["authorized_reasons"] = list(data.get("authorized_reasons") or [])
        return values
