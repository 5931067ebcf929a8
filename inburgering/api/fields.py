"""Relation fields that look values up in the caller's scope at validation time, never at import
or schema generation (a scoped manager refuses to query without a scope)."""

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
