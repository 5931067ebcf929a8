from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract

ACCEPTED_FILES = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ContractChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Contract) -> str:
        return f"{obj.reference} – {obj.title}"


class UploadForm(forms.Form):
    """Types only; the service checks the contract and the provider, the task checks the content
    (by content, never by name: the accept attribute is a convenience for the file chooser)."""

    # Declared with an empty queryset, so no query runs at import; set per request, in the scope.
    contract = ContractChoiceField(label=_("Contract"), queryset=Contract.unscoped.none())
    bestand = forms.FileField(
        label=_("File"),
        help_text=_("CSV (separated by semicolons, commas or tabs) or Excel (.xlsx), with a header row."),
        widget=forms.FileInput(attrs={"accept": ACCEPTED_FILES}),
    )

    def __init__(self, *args, contracts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = contracts
        if len(contracts) == 1:
            self.fields["contract"].initial = contracts[0].pk
