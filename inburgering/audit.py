"""Who is acting, for django-simple-history, in requests and in background tasks.

In a request simple-history's middleware supplies ``request.user``; a task or management
command enters ``acting_as(user)`` so its changes are attributed too (a job without a person is
attributed to nobody, which the history shows as "systeem").
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils.text import format_lazy
from simple_history.models import HistoricalRecords

_current_actor: contextvars.ContextVar = contextvars.ContextVar("audit_actor", default=None)


@contextmanager
def acting_as(user) -> Iterator[None]:
    """Attribute changes in this block to ``user``; ``None`` keeps the outer actor (e.g. a task's)."""
    if user is None:
        yield
        return
    token = _current_actor.set(user)
    try:
        yield
    finally:
        _current_actor.reset(token)


def history_user(instance, request, **kwargs):
    """``get_user`` for HistoricalRecords: explicit actor first, then the request's user."""
    explicit = getattr(instance, "_history_user", None)
    if explicit is not None:
        return explicit
    actor = _current_actor.get()
    if actor is not None:
        return actor
    user = getattr(request, "user", None) if request is not None else None
    if user is not None and user.is_authenticated:
        return user
    return None


class LazyNamedHistoricalRecords(HistoricalRecords):
    """simple-history renders a historical model's name once, at import, in the language active
    then; keeping it lazy keeps translations correct and migrations independent of the language."""

    def get_meta_options(self, model):
        meta = super().get_meta_options(model)
        if not self.user_set_verbose_name:
            meta["verbose_name"] = format_lazy("historical {}", model._meta.verbose_name)
        if not self.user_set_verbose_name_plural:
            meta["verbose_name_plural"] = format_lazy("historical {}", model._meta.verbose_name_plural)
        return meta


def audited_history(**kwargs) -> HistoricalRecords:
    """HistoricalRecords configured for this project (one place to change it)."""
    return LazyNamedHistoricalRecords(get_user=history_user, **kwargs)
