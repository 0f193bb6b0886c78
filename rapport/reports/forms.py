from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import Team, User
from rapport.customers.models import CustomerKind
from rapport.lib.channels import Channel
from rapport.tickets.models import Tag

from .models import Goal
from .queries import Filters

PERIODS = [
    ("7", _("Last 7 days")),
    ("30", _("Last 30 days")),
    ("90", _("Last 90 days")),
    ("365", _("Last 12 months")),
    ("custom", _("From … to …")),
]


def visible_teams(user):
    teams = Team.objects.order_by("name")
    return teams if user.sees_all_teams else teams.filter(pk__in=user.team_ids)


def visible_agents(user):
    agents = User.objects.filter(is_active=True).order_by("first_name", "username")
    if user.sees_all_teams:
        return agents
    return agents.filter(teams__in=user.team_ids).distinct()


class FilterForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, required=False)
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("All")
    )
    agent = forms.ModelChoiceField(
        label=_("Agent"), queryset=User.objects.none(), required=False, empty_label=_("All")
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("All")), *Channel.choices], required=False
    )
    kind = forms.ChoiceField(
        label=_("Customers"),
        choices=[("", _("All")), *CustomerKind.choices],
        required=False,
    )
    tag = forms.ModelChoiceField(
        label=_("Tag"), queryset=Tag.objects.all(), required=False, empty_label=_("Any")
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = visible_teams(user)
        self.fields["agent"].queryset = visible_agents(user)

    def filters(self, default_days: int = 30) -> Filters:
        data = self.cleaned_data if self.is_valid() else {}
        today = timezone.localdate()
        period = data.get("period") or str(default_days)
        if period == "custom" and data.get("start") and data.get("end"):
            start, end = sorted([data["start"], data["end"]])
            start = max(start, end - timedelta(days=366 * 3))  # at most three years
        else:
            days = int(period) if period.isdigit() else default_days
            start, end = today - timedelta(days=days - 1), today
        return Filters(
            start=start,
            end=end,
            team_id=data["team"].pk if data.get("team") else None,
            agent_id=data["agent"].pk if data.get("agent") else None,
            channel=data.get("channel") or "",
            kind=data.get("kind") or "",
            tag_id=data["tag"].pk if data.get("tag") else None,
        )


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["team", "agent", "metric", "comparator", "target", "period"]

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = visible_teams(user)
        self.fields["agent"].queryset = visible_agents(user)

    def clean(self):
        data = super().clean()
        if not data.get("team") and not data.get("agent"):
            raise forms.ValidationError(_("A goal belongs to a team or an agent."))
        return data
