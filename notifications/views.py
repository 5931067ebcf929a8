"""Thin views: a user's own notifications only (filtered by request.user, whatever the tenant)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from notifications import selectors, services

PAGE_SIZE = 50


@login_required
@require_GET
def notification_list(request):
    page = Paginator(selectors.notifications_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/notification_list.html", {"page": page})


@login_required
@require_POST
def notification_mark_all_read(request):
    services.notification_mark_read(user=request.user)
    messages.success(request, _("All notifications have been marked as read."))
    return redirect("notification_list")


@login_required
@require_POST
def notification_open(request, pk: int):
    # Another user's notification answers 404, exactly like a missing one.
    notification = get_object_or_404(selectors.notifications_for(request.user), pk=pk)
    services.notification_mark_read(user=request.user, notification_ids=[notification.pk])
    if notification.safe_url:
        return HttpResponseRedirect(notification.safe_url)
    return redirect("notification_list")
