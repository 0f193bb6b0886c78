from .actions import unread_count


def notifications(request) -> dict:
    """The unread count for the header (capped: "99+")."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": lambda: unread_count(user)}
