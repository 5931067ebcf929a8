from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from inburgering.tenancy.models import TENANT_ROLES, Municipality, Role, cbs_code_validator, kvk_validator


class UpperCaseCharField(forms.CharField):
    """Normalises before validating, so "gm0268" is accepted as GM0268."""

    def to_python(self, value):
        return super().to_python(value).upper()


class MunicipalityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    cbs_code = UpperCaseCharField(
        label=_("CBS code"), max_length=6, validators=[cbs_code_validator], help_text=_("For example GM0268.")
    )


class ProviderLinkForm(forms.Form):
    kvk_number = forms.CharField(label=_("KvK number"), max_length=8, validators=[kvk_validator])
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        required=False,
        help_text=_("Only needed if the language provider is not known yet."),
    )
    has_quality_mark = forms.BooleanField(
        label=_("Has the Blik op Werk quality mark"),
        required=False,
        help_text=_("Only for a new language provider; the quality mark is needed for downscaling."),
    )


class RoleFields(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=[(role.value, role.label) for role in TENANT_ROLES])
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.unscoped.none(),
        required=False,
        help_text=_("Only for a case manager: the municipality whose learners they see."),
    )

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.filter(tenant=tenant).order_by("name")

    def clean(self):
        cleaned = super().clean()
        role, municipality = cleaned.get("role"), cleaned.get("municipality")
        if role == Role.CASE_MANAGER and municipality is None:
            self.add_error(
                "municipality", gettext("A case manager belongs to one municipality: choose the municipality.")
            )
        if role and role != Role.CASE_MANAGER and municipality is not None:
            self.add_error("municipality", gettext("Only a case manager is tied to one municipality."))
        return cleaned


class InviteForm(RoleFields):
    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("Email address"))

    field_order = ["username", "first_name", "last_name", "email", "role", "municipality"]


class TenantSwitchForm(forms.Form):
    tenant = forms.IntegerField()
