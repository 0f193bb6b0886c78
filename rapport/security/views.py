"""Log-in (password, then a code for staff with two-factor) and each user's security page:
two-factor enrolment, recovery codes, password change (docs/security.md)."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import throttle, twofactor
from .forms import CodeForm, ThrottledAuthenticationForm
from .models import TOTPDevice

PENDING = "security_pending_login"
PENDING_SECONDS = 300  # the code must follow the password within five minutes


class LoginView(auth_views.LoginView):
    authentication_form = ThrottledAuthenticationForm

    def form_valid(self, form):
        user = form.get_user()
        if not twofactor.has_two_factor(user):
            return super().form_valid(form)
        # The password was right; the session is not logged in until the code is too.
        self.request.session[PENDING] = {
            "uid": user.pk,
            "backend": user.backend,
            "at": time.time(),
            "next": self.get_success_url(),
        }
        return redirect("login-code")


@never_cache
def login_code(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING)
    user = None
    if pending and time.time() - pending.get("at", 0) <= PENDING_SECONDS:
        user = get_user_model().objects.filter(pk=pending.get("uid"), is_active=True).first()
    if user is None:
        request.session.pop(PENDING, None)
        messages.info(request, _("Please log in again."))
        return redirect("login")
    ip = throttle.client_ip(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        until = throttle.locked_until(user.get_username(), ip)
        if until is None and twofactor.verify(user, form.cleaned_data["code"]):
            del request.session[PENDING]
            throttle.do_clear(user.get_username(), ip)
            auth_login(request, user, backend=pending["backend"])
            return redirect(pending.get("next") or "inbox")
        if until is None:
            until = throttle.do_record_failure(user.get_username(), ip)
        if until is None:
            form.add_error("code", _("That code is not right. Try the current one."))
        else:
            minutes = max(1, round((until - timezone.now()).total_seconds() / 60))
            form.add_error(
                None,
                _(
                    "Too many wrong codes. Try again in %(minutes)d minutes, or ask an "
                    "administrator to unlock your account."
                )
                % {"minutes": minutes},
            )
    return render(request, "security/login_code.html", {"form": form})


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    device = TOTPDevice.objects.filter(user=user).first()
    context = {
        "device": device,
        "confirmed": bool(device and device.confirmed_at),
        "remaining": twofactor.remaining_recovery_codes(user),
        "form": CodeForm(),
    }
    if device and not device.confirmed_at:
        context["qr_svg"] = twofactor.qr_svg(device)
        context["secret"] = twofactor.secret_of(device)
    return render(request, "security/settings.html", context)


@login_required
@require_POST
def enrol_start(request: HttpRequest) -> HttpResponse:
    if twofactor.has_two_factor(request.user):
        return redirect("security")
    twofactor.do_start_enrolment(request.user)
    return redirect("security")


def _codes_page(request: HttpRequest, codes: list[str]) -> HttpResponse:
    response = render(request, "security/recovery_codes.html", {"codes": codes})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def enrol_confirm(request: HttpRequest) -> HttpResponse:
    device = TOTPDevice.objects.filter(user=request.user, confirmed_at__isnull=True).first()
    form = CodeForm(request.POST)
    if device is None or not form.is_valid():
        return redirect("security")
    codes = twofactor.do_confirm(device, form.cleaned_data["code"])
    if codes is None:
        messages.error(request, _("That code is not right. Check the time on your phone."))
        return redirect("security")
    messages.success(request, _("Two-factor log-in is on."))
    return _codes_page(request, codes)


def _checked_code(request: HttpRequest) -> bool:
    form = CodeForm(request.POST)
    if form.is_valid() and twofactor.verify(request.user, form.cleaned_data["code"]):
        return True
    messages.error(request, _("That code is not right."))
    return False


@login_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    if not _checked_code(request):
        return redirect("security")
    return _codes_page(request, twofactor.do_new_recovery_codes(request.user))


@login_required
@require_POST
def disable(request: HttpRequest) -> HttpResponse:
    if _checked_code(request):
        twofactor.do_disable(request.user)
        messages.success(request, _("Two-factor log-in is off."))
    return redirect("security")


class PasswordChange(auth_views.PasswordChangeView):
    template_name = "security/password.html"
    success_url = reverse_lazy("security")
    title = gettext_lazy("Change password")

    def form_valid(self, form):
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)
