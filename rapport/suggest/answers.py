"""Answer suggestions on a ticket (KN6; docs/suggestions.md): for the customer's latest
message, the most relevant published articles in the customer's language and the most similar
solved tickets the agent may open, each with something to insert into the reply.

- Articles: `rapport.kb.search.search_articles` (the search index, any of the words, ranked),
  in the language the coach read the message in (else the customer's profile language).
- Solved tickets: the message's content words (rapport.suggest.text) as an any-of query over
  the search index (`rapport.search.similar.similar_documents`: documents of solved and closed
  tickets, under the agent's permission rule, in SQL), then re-ranked in Python by TF-IDF
  cosine of each candidate document's tokens with the message's, a ticket scoring its best
  document. The backend's own rank only chooses the candidates: bm25 and ts_rank have
  different scales, the cosine is the same on both databases.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch

from rapport.kb.links import article_url
from rapport.kb.markup import to_text
from rapport.kb.models import ArticleTranslation, normalise_language
from rapport.kb.search import search_articles
from rapport.search.models import SearchDocument
from rapport.search.similar import query_terms, similar_documents
from rapport.tickets.coaching import last_customer_message
from rapport.tickets.models import Direction, Message, Ticket

from .text import content_tokens, rank, stop_words, stored_content_tokens

ARTICLES = 3
TICKETS = 5
CANDIDATES = 300  # documents fetched from the index before re-ranking
MIN_SIMILARITY = 0.2  # below this a "similar" ticket is noise
MAX_TEXT = 4000  # characters of the message read: its beginning says what it is about


@dataclass
class ArticleSuggestion:
    translation: ArticleTranslation
    score: float
    url: str
    text: str  # the article as plain text, to insert


@dataclass
class TicketSuggestion:
    ticket: Ticket
    score: float
    answer: str  # the last reply an agent sent on it ("" if none)


@dataclass
class Suggestions:
    message: Message | None = None
    language: str | None = None
    articles: list[ArticleSuggestion] = field(default_factory=list)
    tickets: list[TicketSuggestion] = field(default_factory=list)


def message_language(message: Message, ticket: Ticket) -> str | None:
    """The knowledge base's language code for the customer: the coach's reading of the
    message, else the customer's profile."""
    analysed = (message.analysis or {}).get("language") if message else None
    return normalise_language(analysed) or normalise_language(ticket.customer.language)


def suggest_articles(text: str, language: str | None, user) -> list[ArticleSuggestion]:
    out = []
    for translation, score in search_articles(text, language, user=user, limit=ARTICLES):
        try:
            url = article_url(translation.article_id, translation.language)
        except NoReverseMatch:  # the help centre is not mounted (a bare test setup)
            url = ""
        body = to_text(translation.body).strip()
        out.append(ArticleSuggestion(translation, score, url, f"{translation.title}\n\n{body}"))
    return out


def similar_tickets(text: str, user, *, exclude: int | None = None) -> list[TicketSuggestion]:
    terms = query_terms(text, stop=stop_words())
    rows = similar_documents(user, terms, exclude_ticket=exclude, cap=CANDIDATES)
    if not rows:
        return []
    ticket_of = {row[0]: row[3] for row in rows}
    documents = {
        pk: stored_content_tokens(tokens)
        for pk, tokens in SearchDocument.objects.filter(pk__in=ticket_of).values_list(
            "pk", "tokens"
        )
    }
    best: dict[int, float] = {}
    for pk, score in rank(content_tokens(text), documents):
        ticket_id = ticket_of[pk]
        if score >= MIN_SIMILARITY and score > best.get(ticket_id, 0.0):
            best[ticket_id] = score
    top = sorted(best.items(), key=lambda kv: (-kv[1], -kv[0]))[:TICKETS]
    if not top:
        return []
    # The permission rule again, on the tickets themselves (the documents carry a copy).
    tickets = (
        Ticket.objects.visible_to(user).select_related("customer").in_bulk([pk for pk, _s in top])
    )
    answers: dict[int, str] = {}
    for ticket_id, body in (
        Message.objects.filter(ticket_id__in=tickets, direction=Direction.OUT, auto="")
        .order_by("ticket_id", "-created_at", "-id")
        .values_list("ticket_id", "body_text")
    ):
        answers.setdefault(ticket_id, body)
    return [
        TicketSuggestion(tickets[pk], score, answers.get(pk, ""))
        for pk, score in top
        if pk in tickets
    ]


def suggestions_for(ticket: Ticket, user) -> Suggestions:
    """What to suggest on `ticket` (already checked: `user` may see it)."""
    message = last_customer_message(ticket)
    if message is None:
        return Suggestions()
    # Tokens are normalised already (lemmas/stems are stable under the normaliser), and the
    # subject says what the message is about when the body is short.
    subject = "" if message.subject.strip() in message.body_text else message.subject
    text = f"{subject}\n{message.body_text}"[:MAX_TEXT]
    language = message_language(message, ticket)
    return Suggestions(
        message=message,
        language=language,
        articles=suggest_articles(text, language, user),
        tickets=similar_tickets(text, user, exclude=ticket.pk),
    )
