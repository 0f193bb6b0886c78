from django import template

from rapport.training.actions import missing_required
from rapport.training.models import TrainingSettings

register = template.Library()


@register.inclusion_tag("training/_banner.html", takes_context=True)
def training_banner(context):
    """The required scenarios the agent has yet to pass (KN4), on every page."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {"missing": []}
    return {"missing": missing_required(user), "gate": TrainingSettings.get().gate_enabled}
