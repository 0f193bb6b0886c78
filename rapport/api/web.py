"""The user's API tokens page (/me/api-tokens/): make one (shown once), revoke one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .actions import do_create_token, do_revoke_token
from .forms import TokenForm
from .models import ApiToken


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    raw = None
    if request.method == "POST" and form.is_valid():
        _token, raw = do_create_token(
            request.user, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"]
        )
        form = TokenForm()
    response = render(
        request,
        "api/tokens.html",
        {"form": form, "raw": raw, "tokens": ApiToken.objects.filter(user=request.user)},
    )
    response["Cache-Control"] = "no-store"  # the page may show a token once
    return response


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    do_revoke_token(token)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("api-tokens")
