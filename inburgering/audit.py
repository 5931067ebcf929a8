"""Who is acting, for django-simple-history, in requests and in background tasks.

In a request simple-history's middleware supplies ``request.user``; a task or management
command enters ``acting_as(user)`` so its changes are attributed too (a job without a person is
attributed to nobody, which the history shows as "systeem").
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

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


def audited_history(**kwargs):
    """HistoricalRecords configured for this project (one place to change it)."""
    from simple_history.models import HistoricalRecords

    return HistoricalRecords(get_user=history_user, **kwargs)
