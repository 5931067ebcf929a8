"""Relation fields that look values up in the caller's scope at validation time, never at import
or schema generation (a scoped manager refuses to query without a scope)."""

from django.utils.text import format_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class ScopedSlugRelatedField(serializers.SlugRelatedField):
    """Looks values up in the caller's scope at validation time (never at import or schema time)."""

    def __init__(self, *, scoped_model, **kwargs):
        self.scoped_model = scoped_model
        super().__init__(queryset=scoped_model.unscoped.none(), **kwargs)

    def get_queryset(self):
        return self.scoped_model.objects.all()


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    def __init__(self, *, scoped_model, **kwargs):
        self.scoped_model = scoped_model
        super().__init__(queryset=scoped_model.unscoped.none(), **kwargs)

    def get_queryset(self):
        return self.scoped_model.objects.all()


def named_enum_field(component_name: str, choices, *, blank: bool = False) -> type[serializers.ChoiceField]:
    """A ChoiceField whose OpenAPI enum is one named component, so two fields called "status" with
    different choices, or one choice set under several names, never clash in the document."""
    values = [*choices.values, *([""] if blank else [])]
    description = format_lazy(
        "\n".join(f"* `{value}` - {{}}" for value in choices.values), *(label for _value, label in choices.choices)
    )

    @extend_schema_field({"type": "string", "enum": values, "description": description}, component_name=component_name)
    class EnumField(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices.choices, allow_blank=blank, **kwargs)

    EnumField.__name__ = EnumField.__qualname__ = f"{component_name}Field"
    return EnumField
