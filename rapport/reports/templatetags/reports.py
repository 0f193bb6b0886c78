from django import template

from rapport.reports.goals import goals_for

register = template.Library()


@register.simple_tag
def my_goals(user):
    """MG1: the signed-in agent's goals and their teams', with progress (home page)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return goals_for(user)
