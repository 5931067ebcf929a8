from __future__ import annotations

from django import forms

from inburgering.tenancy.models import TENANT_ROLES, Municipality, Role, cbs_code_validator, kvk_validator


class UpperCaseCharField(forms.CharField):
    """Normalises before validating, so "gm0268" is accepted as GM0268."""

    def to_python(self, value):
        return super().to_python(value).upper()


class MunicipalityForm(forms.Form):
    name = forms.CharField(label="Naam", max_length=200)
    cbs_code = UpperCaseCharField(
        label="CBS-code", max_length=6, validators=[cbs_code_validator], help_text="Bijvoorbeeld GM0268."
    )


class ProviderLinkForm(forms.Form):
    kvk_number = forms.CharField(label="KvK-nummer", max_length=8, validators=[kvk_validator])
    name = forms.CharField(
        label="Naam",
        max_length=200,
        required=False,
        help_text="Alleen nodig als de taalaanbieder nog niet bekend is.",
    )
    has_quality_mark = forms.BooleanField(
        label="Heeft het keurmerk Blik op Werk",
        required=False,
        help_text="Alleen voor een nieuwe taalaanbieder; het keurmerk is nodig voor afschalen.",
    )


class RoleFields(forms.Form):
    role = forms.ChoiceField(label="Rol", choices=[(role.value, role.label) for role in TENANT_ROLES])
    municipality = forms.ModelChoiceField(
        label="Gemeente",
        queryset=Municipality.unscoped.none(),
        required=False,
        help_text="Alleen voor een klantmanager: de gemeente waarvan hij of zij de inburgeraars ziet.",
    )

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.filter(tenant=tenant).order_by("name")

    def clean(self):
        cleaned = super().clean()
        role, municipality = cleaned.get("role"), cleaned.get("municipality")
        if role == Role.CASE_MANAGER and municipality is None:
            self.add_error("municipality", "Een klantmanager hoort bij één gemeente: kies de gemeente.")
        if role and role != Role.CASE_MANAGER and municipality is not None:
            self.add_error("municipality", "Alleen een klantmanager is aan één gemeente gebonden.")
        return cleaned


class InviteForm(RoleFields):
    username = forms.CharField(label="Gebruikersnaam", max_length=150)
    first_name = forms.CharField(label="Voornaam", max_length=150)
    last_name = forms.CharField(label="Achternaam", max_length=150)
    email = forms.EmailField(label="E-mailadres")

    field_order = ["username", "first_name", "last_name", "email", "role", "municipality"]


class TenantSwitchForm(forms.Form):
    tenant = forms.IntegerField()
