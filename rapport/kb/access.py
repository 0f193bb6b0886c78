"""Who may see and change knowledge-base articles (docs/kb.md).

- The public (help centre): published public articles only; everything else is a 404.
- Agents: every article without a team or of one of their teams, in any state; of another
  team's articles only the published public ones (Charlie in Billing sees nothing else of
  Support's). Supervisors and administrators: everything.
- Partner-team agents (MG5): the articles of their teams and the published public ones; an
  article without a team is company-wide and not theirs (rapport.accounts.visibility).
- Agents draft, edit and submit for review; publishing, archiving and category management need
  a supervisor, an administrator or staff.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from rapport.accounts.visibility import shares_a_team, team_q

from .models import Article, Status, Visibility


def is_agent(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def can_publish(user) -> bool:
    return is_agent(user) and (user.sees_all_teams or user.is_staff)


def public_articles() -> QuerySet[Article]:
    return Article.objects.filter(status=Status.PUBLISHED, visibility=Visibility.PUBLIC)


def visible_articles(user) -> QuerySet[Article]:
    if not is_agent(user):
        return public_articles()
    if user.sees_all_teams:
        return Article.objects.all()
    return Article.objects.filter(
        team_q(user) | Q(status=Status.PUBLISHED, visibility=Visibility.PUBLIC)
    )


def can_edit(user, article: Article) -> bool:
    """Agents edit the articles of their teams (and those without a team); a published
    public article of another team is readable, not editable."""
    if not is_agent(user):
        return False
    if user.sees_all_teams or user.is_staff:
        return True
    return shares_a_team(user, article.team_id)


def access_article(user, pk: int) -> Article:
    """The article if `user` may see it, else 404 (never 403: no hint that it exists)."""
    article = visible_articles(user).filter(pk=pk).first()
    if article is None:
        raise Http404
    return article


def access_article_for_edit(user, pk: int) -> Article:
    article = access_article(user, pk)
    if not can_edit(user, article):
        raise Http404
    return article
