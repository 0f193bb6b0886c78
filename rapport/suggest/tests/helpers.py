"""Building blocks for the suggestion tests, through the real actions."""

from __future__ import annotations

from rapport.kb.actions import do_create_article, do_publish
from rapport.test import receive
from rapport.tickets import actions
from rapport.tickets.coaching import analyse
from rapport.tickets.models import Status


def ask(text: str, *, sender: str, n: int, subject: str = "", channel: str = "email"):
    """A customer's message through intake, read by the coach (the task's work, done here)."""
    fields = {"external_id": f"<ask-{sender}-{n}@x>"} if channel == "email" else {}
    message = receive(
        channel=channel, sender=sender, body_text=text, subject=subject or text[:60], **fields
    )
    analyse(message)
    return message


def solved_with_answer(text: str, answer: str, *, sender: str, agent, n: int, subject: str = ""):
    message = ask(text, sender=sender, n=n, subject=subject)
    ticket = message.ticket
    actions.do_reply(ticket, author=agent, body_text=answer)
    actions.do_change_status(ticket, Status.SOLVED, actor=agent)
    return ticket


def published(title: str, body: str, language: str, *, author, publisher, visibility="public"):
    article = do_create_article(
        author, language=language, title=title, body=body, visibility=visibility
    )
    return do_publish(article, publisher)
