"""The suggestion box (KN5, docs/ideas.md): propose, vote, answer."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.lib.text import clean_text
from rapport.notify.actions import do_notify
from rapport.notify.models import Kind
from rapport.tickets.models import Ticket

from .grouping import keywords
from .models import Idea, IdeaCategory, IdeaStatus, IdeaVote, visible_ideas


def access_idea(user, pk: int) -> Idea:
    """An idea `user` may see; 404 otherwise (Charlie sees nothing of Support's)."""
    return get_object_or_404(visible_ideas(user).select_related("ticket", "author"), pk=pk)


def do_propose(
    ticket: Ticket | None, *, author, text: str, details: str = "", category: str = ""
) -> Idea:
    return Idea.objects.create(
        ticket=ticket,
        team=ticket.team if ticket is not None else None,
        author=author,
        text=text,
        details=details,
        category=category,
        keywords=keywords(f"{text}\n{details}"),
    )


def check_propose(
    ticket: Ticket | None, *, author, text: str, details: str = "", category: str = ""
) -> Idea:
    text = clean_text(text or "").strip()[:500]
    if not text:
        raise ValidationError(_("Write the suggestion."), code="empty")
    if category and category not in IdeaCategory.values:
        raise ValidationError(_("Unknown category."), code="category")
    return do_propose(
        ticket,
        author=author,
        text=text,
        details=clean_text(details or "").strip()[:4000],
        category=category,
    )


def do_toggle_vote(idea: Idea, *, user) -> bool:
    """Vote for an idea, or take the vote back; True when the user now votes for it."""
    with transaction.atomic():
        deleted, _rows = IdeaVote.objects.filter(idea=idea, user=user).delete()
        if deleted:
            Idea.objects.filter(pk=idea.pk).update(vote_count=F("vote_count") - 1)
            return False
        try:
            with transaction.atomic():
                IdeaVote.objects.create(idea=idea, user=user)
        except IntegrityError:  # a double click from two tabs: one vote
            return True
        Idea.objects.filter(pk=idea.pk).update(vote_count=F("vote_count") + 1)
        return True


def do_answer(
    idea: Idea, *, actor, status: str, note: str = "", category: str | None = None, problem=None
) -> Idea:
    before = idea.status
    idea.status = status
    idea.status_note = note
    idea.decided_by = actor
    idea.updated_at = timezone.now()
    fields = ["status", "status_note", "decided_by", "updated_at"]
    if category is not None:
        idea.category = category
        fields.append("category")
    idea.problem = problem
    fields.append("problem")
    idea.save(update_fields=fields)
    if status != before and idea.author_id != actor.pk:
        label = IdeaStatus(status).label
        do_notify(
            [idea.author],
            lambda: (
                _("Your suggestion “%(text)s” is now: %(status)s")
                % {"text": idea.text[:80], "status": label}
            ),
            kind=Kind.INFO,
            ticket=idea.ticket,
        )
    return idea


def check_answer(
    idea: Idea, *, actor, status: str, note: str = "", category: str | None = None, problem=None
) -> Idea:
    if not actor.sees_all_teams:
        raise PermissionDenied(_("Only supervisors answer suggestions."))
    if status not in IdeaStatus.values:
        raise ValidationError(_("Unknown status."), code="status")
    if category and category not in IdeaCategory.values:
        raise ValidationError(_("Unknown category."), code="category")
    return do_answer(
        idea,
        actor=actor,
        status=status,
        note=clean_text(note or "").strip()[:500],
        category=category,
        problem=problem,
    )
