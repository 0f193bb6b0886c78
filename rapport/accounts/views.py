from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import partners
from .models import User


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "language", "time_zone"]


@login_required
def preferences(request):
    """Each agent's own language and time zone (the UI follows them)."""
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Preferences saved."))
        return redirect("preferences")
    return render(request, "accounts/preferences.html", {"form": form})


@login_required
def partner_report(request):
    """Each partner team's quality and SLA figures beside the company's own (MG5), for
    supervisors and administrators; `?format=csv` downloads the table."""
    if not request.user.sees_all_teams:
        raise PermissionDenied
    try:
        days = int(request.GET.get("days", 30))
    except ValueError:
        days = 30
    if days not in partners.PERIODS:
        days = 30
    start, end = partners.period(days)
    rows = partners.partner_report(start, end)
    if request.GET.get("format") == "csv":
        from rapport.reports.export import as_csv

        headers, table = partners.csv_table(rows)
        return as_csv(headers, table, f"rapport-partners-{start}-{end}")
    return render(
        request,
        "accounts/partners.html",
        {"rows": rows, "start": start, "end": end, "days": days, "periods": partners.PERIODS},
    )
