"""Reads for notifications: always one user's own, never anyone else's."""

from __future__ import annotations

from django.db.models import QuerySet

from notifications.models import Notification


def notifications_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")


def unread_count(user) -> int:
    """One COUNT query on the (user, read_at) index."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
