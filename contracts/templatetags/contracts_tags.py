from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def agreement_value(value) -> str:
    """A contract value as a reader expects it: ja/nee, € 1.234,50, 90%, 300, 600, dd-mm-jjjj."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "–"
    if isinstance(value, Decimal):
        return number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    if hasattr(value, "strftime"):
        return value.strftime("%d-%m-%Y")
    return str(value)
