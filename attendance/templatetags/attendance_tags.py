"""Template helpers for attendance: hours with a decimal comma, and attendance totals for a page
of trajectories that another app's view renders (one query per page, never one per row)."""

from __future__ import annotations

from django import template

from attendance import selectors

register = template.Library()


@register.filter
def hours(minutes) -> str:
    """``{{ minutes|hours }}`` → "12,5"."""
    return selectors.format_hours(minutes)


@register.simple_tag(takes_context=True)
def attendance_totals(context, trajectories) -> str:
    """Set ``attended_minutes_total`` (None without lessons) and ``may_view_attendance`` on every
    trajectory of ``trajectories`` (a page or a list), in one query; renders nothing.

    The trajectory list belongs to learning_routes; this keeps its query count flat without the
    attendance app reaching into that view.
    """
    items = list(trajectories)
    totals = selectors.attended_minutes_by_trajectory(item.pk for item in items)
    request = context.get("request")
    tenancy = getattr(request, "tenancy", None)
    for item in items:
        item.attended_minutes_total = totals.get(item.pk)
        item.may_view_attendance = tenancy is not None and selectors.may_view_calendar(tenancy, item)
    return ""
