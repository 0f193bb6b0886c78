from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .actions import do_mark_read
from .models import Notification

PAGE = 50


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The agent's own notifications, newest first (nobody sees another agent's)."""
    items = list(Notification.objects.filter(user=request.user).select_related("ticket")[:PAGE])
    return render(request, "notify/list.html", {"items": items})


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    do_mark_read(request.user, ids)
    return redirect("notifications")
