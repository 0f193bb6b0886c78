"""Saved searches as inbox views (issue #7, part 5; docs/tickets.md, docs/search.md).

An agent saves a query of the search language (`status:open tag:vip refund`) with a name,
private or shared with one of their teams. It is listed among the inbox views with its live
count, and opening it lists its tickets like any view: keyset pages, sorts, filters. Who sees
which tickets is never the saved search's business: the tickets come from the search index
under the agent's own permission rule (`rapport.search.similar.matching_tickets`), and the
inbox adds Ticket.objects.visible_to on top. A view shared with a team shows each member only
what that member may open.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import Team
from rapport.search.similar import matching_tickets

from .models import SavedSearch, Ticket

SIDEBAR_MAX = 20  # saved searches listed (and counted) in the inbox's sidebar


def visible_saved_searches(user) -> QuerySet[SavedSearch]:
    """The agent's own saved searches and those shared with one of their teams (supervisors:
    every shared one)."""
    shared = Q(team__isnull=False) if user.sees_all_teams else Q(team_id__in=user.team_ids)
    return SavedSearch.objects.filter(Q(owner=user) | shared)


def access_saved_search(user, pk: int, *, for_change: bool = False) -> SavedSearch:
    """The saved search if `user` may open it (or, `for_change`, delete it: the owner, or a
    supervisor for a shared one); 404 otherwise: another agent's private search does not
    exist for them."""
    qs = visible_saved_searches(user)
    if for_change and not user.sees_all_teams:
        qs = qs.filter(owner=user)
    saved = qs.filter(pk=pk).first()
    if saved is None:
        raise Http404
    return saved


def tickets_of(user, saved: SavedSearch | None, base: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """`base` (already visible_to(user)) narrowed to the tickets `saved` finds for `user`."""
    if saved is None:
        return base.none()
    match = matching_tickets(user, saved.query)
    if match.subquery is None:
        return base.none()
    return base.filter(pk__in=match.subquery)


class SavedSearchForm(forms.ModelForm):
    class Meta:
        model = SavedSearch
        fields = ["name", "query", "team"]

    def __init__(self, *args, owner, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner
        teams = Team.objects.all() if owner.sees_all_teams else owner.teams.all()
        self.fields["team"].queryset = teams
        self.fields["team"].empty_label = _("Only me")
        self.fields["query"].widget.attrs["placeholder"] = "status:open tag:vip refund"

    def clean_query(self) -> str:
        query = self.cleaned_data["query"].strip()
        match = matching_tickets(self.owner, query)
        if match.errors:
            raise forms.ValidationError(match.errors)
        if not query:
            raise forms.ValidationError(_("Write a search to save."))
        return query


def do_save_search(owner, *, name: str, query: str, team: Team | None) -> SavedSearch:
    return SavedSearch.objects.create(owner=owner, name=name, query=query, team=team)


def do_delete_saved_search(saved: SavedSearch) -> None:
    saved.delete()
