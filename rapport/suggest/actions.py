"""FAQ mining (KN1, KN2; docs/suggestions.md): group customers' questions by similarity, find
which ones no published article answers, and turn one into a draft article.

The job (`mine_faq_task`, hourly, and `manage.py faq_mine`) reads the customer messages the
coach has analysed since its last run (`MiningState`, forward by id), takes the questions the
coach found in them (`Message.analysis["questions"]`), and puts each into the most similar
cluster of its language, or a new one:

- a question is its content tokens (rapport.suggest.text: lemmas, stems, Chinese words, no
  stop words); a cluster is the count of each token over its questions;
- similarity is the cosine of the question (token × IDF) with the cluster's centroid (share of
  its questions holding the token × IDF), the IDF coming from every cluster of that language
  (document frequency = how many questions hold the token; square-rooted, see _Clusters.idf).
  A question joins the most similar cluster at or above SIMILARITY whose key words (held by a
  third of its questions) make at least COVERED of the question's weight, else founds a new
  one;
- deterministic: messages in id order, questions in text order, ties to the older cluster.

This is leader clustering (one pass, incremental, no library): it needs no number of clusters,
keeps a cluster's identity (and its "dismissed" or "drafted" state) as new questions arrive,
and costs one dictionary lookup per token. Its limits: the order of arrival matters a little,
and words with no shared lemma (refund / money back, 退货 / 退回) are different topics.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.kb.actions import do_create_draft_from_text
from rapport.kb.markup import to_text
from rapport.kb.models import Article
from rapport.kb.search import search_articles
from rapport.tickets.models import Direction, Message

from .models import ClusterStatus, FaqCluster, FaqQuestion, MiningState
from .text import content_tokens

WINDOW = timedelta(days=30)  # questions older than this are not mined (a first run's reach)
SIMILARITY = 0.5  # cosine at which a question joins a cluster …
COVERED = 0.5  # … if the cluster's key words are at least this share of the question's weight
MIN_COUNT = 3  # questions before a cluster is shown as a suggested FAQ
ANSWERED_AT = 0.6  # share of a cluster's key words an article must hold to answer it
RECHECK = timedelta(days=1)  # an unanswered cluster is checked against the articles daily
BATCH = 500  # messages per transaction
GRACE = timedelta(minutes=30)  # a message still not analysed after this is skipped
KB_LANGUAGE = {"en": "en", "ru": "ru", "zh": "zh-hans"}


@dataclass
class MiningReport:
    messages: int = 0
    questions: int = 0
    clusters_created: int = 0
    answered: int = 0


class _Clusters:
    """One language's clusters in memory, with an inverted index token → clusters and the
    document frequencies the IDF needs."""

    def __init__(self, language: str, since):
        self.language = language
        self.by_id: dict[int, FaqCluster] = {}
        self.postings: dict[str, set[int]] = defaultdict(set)
        self.df: Counter[str] = Counter()
        self.n = 0
        for cluster in FaqCluster.objects.filter(language=language, last_seen__gte=since):
            self._add(cluster)

    def _add(self, cluster: FaqCluster) -> None:
        self.by_id[cluster.pk] = cluster
        for token, count in cluster.tokens.items():
            self.postings[token].add(cluster.pk)
            self.df[token] += count
        self.n += cluster.size

    def idf(self, token: str) -> float:
        # Square-rooted: on a young desk (few questions) a word seen once would otherwise
        # outweigh the shared ones, and a paraphrase with one more word would found its own
        # cluster; common words ("order", "заказ") still weigh less as questions accumulate.
        return math.sqrt(math.log(1 + (self.n + 1) / (self.df[token] + 1)))

    def best(self, tokens: set[str]) -> tuple[FaqCluster | None, float]:
        """The cluster this question belongs to, if any, and its cosine. Two conditions: the
        cosine with the centroid, and how much of the question (by weight) the cluster's key
        words cover — so a one-word cluster ("Где мой заказ?" → заказ) does not swallow every
        question that names an order ("Как отменить заказ?")."""
        weights = {t: self.idf(t) for t in tokens}
        q_total = sum(weights.values())
        q_norm = math.sqrt(sum(w * w for w in weights.values()))
        candidates = sorted({pk for t in tokens for pk in self.postings.get(t, ())})
        best, best_score = None, 0.0
        for pk in candidates:
            cluster = self.by_id[pk]
            centroid = {t: c / cluster.size * self.idf(t) for t, c in cluster.tokens.items()}
            dot = sum(weights[t] * centroid.get(t, 0.0) for t in tokens)
            norm = math.sqrt(sum(v * v for v in centroid.values()))
            score = dot / (q_norm * norm) if dot else 0.0
            keys = key_tokens(cluster)
            covered = sum(w for t, w in weights.items() if t in keys) / q_total
            if score >= SIMILARITY and covered >= COVERED and score > best_score + 1e-9:
                best, best_score = cluster, score
        return best, best_score

    def join(self, cluster: FaqCluster, tokens: set[str], asked_at) -> None:
        for token in tokens:
            cluster.tokens[token] = cluster.tokens.get(token, 0) + 1
            self.postings[token].add(cluster.pk)
            self.df[token] += 1
        cluster.size += 1
        self.n += 1
        cluster.last_seen = max(cluster.last_seen, asked_at)

    def found(self, title: str, tokens: set[str], asked_at) -> FaqCluster:
        cluster = FaqCluster.objects.create(
            language=self.language,
            title=title[:500],
            tokens=dict.fromkeys(sorted(tokens), 1),
            size=1,
            first_seen=asked_at,
            last_seen=asked_at,
        )
        self._add(cluster)
        return cluster


def cluster_questions(
    questions: list[tuple[str, str]], *, language: str = "en", since=None
) -> list[FaqCluster | None]:
    """Cluster (text, language) pairs outside the job (tests, the benchmark): the cluster each
    question joined, None for one with no content words. Writes clusters, no questions."""
    since = since or timezone.now() - WINDOW
    index: dict[str, _Clusters] = {}
    now = timezone.now()
    out: list[FaqCluster | None] = []
    touched: set[int] = set()
    for text, lang in questions:
        lang = lang or language
        clusters = index.get(lang) or index.setdefault(lang, _Clusters(lang, since))
        cluster, _created = _place(clusters, text, now)
        if cluster is not None:
            touched.add(cluster.pk)
        out.append(cluster)
    _save({pk: c for ix in index.values() for pk, c in ix.by_id.items() if pk in touched})
    return out


_CLAUSE = re.compile(r"^\s*([^,，!！:：;；.。?？]*)[,，!！:：;；.。]\s*(?=\S)")


def question_title(text: str) -> str:
    """The question without its leading greeting ("Hi, how do I…" → "How do I…", "你好，我想
    退货" → "我想退货"): leading clauses with no content words go."""
    text = text.strip()
    while (m := _CLAUSE.match(text)) and not content_tokens(m.group(1)):
        text = text[m.end() :]
    return text[:1].upper() + text[1:]


def _place(clusters: _Clusters, text: str, asked_at) -> tuple[FaqCluster | None, bool]:
    tokens = set(content_tokens(text))
    if not tokens:
        return None, False
    cluster, _score = clusters.best(tokens)
    if cluster is not None:
        clusters.join(cluster, tokens, asked_at)
        return cluster, False
    return clusters.found(question_title(text), tokens, asked_at), True


def _save(clusters: dict[int, FaqCluster]) -> None:
    if clusters:
        FaqCluster.objects.bulk_update(
            list(clusters.values()), ["tokens", "size", "last_seen"], batch_size=200
        )


def do_mine_faq(*, now=None, window: timedelta = WINDOW) -> MiningReport:
    """Mine the questions asked since the last run (idempotent: a second run at once finds
    nothing new). One transaction per batch of messages; the state row's lock keeps two runs
    from mining the same messages."""
    now = now or timezone.now()
    since = now - window
    report = MiningReport()
    MiningState.objects.get_or_create(pk=1)
    index: dict[str, _Clusters] = {}
    touched: set[int] = set()
    cursor = hold = None
    while True:
        with transaction.atomic():
            state = MiningState.objects.select_for_update().get(pk=1)
            if cursor is None:
                cursor = state.last_message_id
            rows = list(
                Message.objects.filter(pk__gt=cursor, direction=Direction.IN, auto="")
                .order_by("pk")
                .values_list("pk", "ticket_id", "analysis", "created_at")[:BATCH]
            )
            # A message the coach has not read yet (within GRACE) holds the saved position
            # back, so the next run reads it; those after it are mined now, and skipped then.
            waiting = None
            mined = set(
                FaqQuestion.objects.filter(message_id__in=[r[0] for r in rows]).values_list(
                    "message_id", flat=True
                )
            )
            changed: dict[int, FaqCluster] = {}
            members: list[FaqQuestion] = []
            for pk, ticket_id, analysis, created_at in rows:
                if analysis is None and created_at > now - GRACE:
                    waiting = waiting or pk
                    continue
                if analysis is None or created_at < since or pk in mined:
                    continue
                report.messages += 1
                language = analysis.get("language") or "en"
                clusters = index.get(language) or index.setdefault(
                    language, _Clusters(language, since)
                )
                joined: set[int] = set()
                for question in analysis.get("questions") or ():
                    text = (question.get("text") or "").strip()
                    cluster, created = _place(clusters, text, created_at)
                    if cluster is None or cluster.pk in joined:
                        continue  # no topic, or a second wording of one in the same message
                    joined.add(cluster.pk)
                    report.questions += 1
                    report.clusters_created += created
                    changed[cluster.pk] = cluster
                    members.append(
                        FaqQuestion(
                            cluster=cluster,
                            message_id=pk,
                            ticket_id=ticket_id,
                            text=text[:500],
                            asked_at=created_at,
                        )
                    )
            _save(changed)
            FaqQuestion.objects.bulk_create(members, ignore_conflicts=True)
            if rows:
                cursor = rows[-1][0]
            hold = hold or waiting
            state.last_message_id = hold - 1 if hold else cursor
            state.last_run_at = now
            state.save(update_fields=["last_message_id", "last_run_at"])
            touched |= changed.keys()
        if len(rows) < BATCH:
            break
    report.answered = check_answered(touched, now=now)
    return report


def key_tokens(cluster: FaqCluster) -> dict[str, int]:
    """The words of a cluster that a third or more of its questions hold (all, if none)."""
    keys = {t: c for t, c in cluster.tokens.items() if c * 3 >= cluster.size}
    return keys or dict(cluster.tokens)


def answer_for(cluster: FaqCluster) -> tuple[Article | None, float]:
    """The published public article that answers the cluster best, and the share of the
    cluster's key words (weighted by how many questions hold them) found in it."""
    keys = key_tokens(cluster)
    text = " ".join([cluster.title, *sorted(keys, key=lambda t: -keys[t])[:8]])
    found = search_articles(text, KB_LANGUAGE.get(cluster.language), user=None, limit=3)
    best, best_score = None, 0.0
    total = sum(keys.values())
    for found_translation, _rank in found:
        title, body = found_translation.title, to_text(found_translation.body)
        words = set(content_tokens(f"{title}\n{body}"))
        score = sum(c for t, c in keys.items() if t in words) / total if total else 0.0
        if score > best_score:
            best, best_score = found_translation.article, score
    return best, best_score


def check_answered(cluster_ids=(), *, now=None) -> int:
    """Mark clusters answered when an article answers them (and open again when it no longer
    does): the clusters just changed, and those not checked for RECHECK. Dismissed ones are
    left alone. Returns how many became answered."""
    now = now or timezone.now()
    due = FaqCluster.objects.exclude(status=ClusterStatus.DISMISSED).filter(
        Q(checked_at=None) | Q(checked_at__lt=now - RECHECK)
    )
    ids = set(cluster_ids) | set(due.values_list("pk", flat=True)[:500])
    answered = 0
    for cluster in FaqCluster.objects.filter(pk__in=ids).exclude(status=ClusterStatus.DISMISSED):
        article, score = answer_for(cluster)
        cluster.checked_at = now
        if article is not None and score >= ANSWERED_AT:
            if cluster.status != ClusterStatus.ANSWERED:
                answered += 1
            cluster.status, cluster.article, cluster.answer_score = (
                ClusterStatus.ANSWERED,
                article,
                score,
            )
        elif cluster.status == ClusterStatus.ANSWERED:
            cluster.status, cluster.answer_score = ClusterStatus.OPEN, score
        cluster.save(update_fields=["checked_at", "status", "article", "answer_score"])
    return answered


def suggested_faq(language: str | None = None, *, min_count: int = MIN_COUNT):
    """The frequent questions no article answers: open clusters asked at least `min_count`
    times, most asked first."""
    qs = FaqCluster.objects.filter(status=ClusterStatus.OPEN, size__gte=min_count)
    return qs.filter(language=language) if language else qs


def _draft_body(cluster: FaqCluster) -> str:
    examples = list(cluster.questions.order_by("-asked_at")[:5])
    lines = [_("Customers ask:"), ""] + [f"- {q.text}" for q in examples]
    ticket_ids = [q.ticket_id for q in examples]
    reply = (
        Message.objects.filter(ticket_id__in=ticket_ids, direction=Direction.OUT, auto="")
        .order_by("-created_at", "-id")
        .first()
    )
    if reply is not None and reply.body_text.strip():
        lines += ["", _("An answer an agent gave:"), "", reply.body_text.strip()]
    return "\n".join(lines)


@transaction.atomic
def do_draft_article(cluster: FaqCluster, author) -> Article:
    """A draft article for a suggested FAQ (KN1), in the cluster's language: the question as
    its title, the customers' wordings and an agent's answer as the start of its body."""
    cluster = FaqCluster.objects.select_for_update().get(pk=cluster.pk)
    if cluster.article_id and cluster.status == ClusterStatus.DRAFTED:
        return cluster.article  # clicked twice
    language = KB_LANGUAGE.get(cluster.language, "en")
    with translation.override(language):  # the body's headings in the article's language
        body = _draft_body(cluster)
    article = do_create_draft_from_text(cluster.title, body, language, author)
    cluster.status, cluster.article, cluster.changed_by = ClusterStatus.DRAFTED, article, author
    cluster.save(update_fields=["status", "article", "changed_by"])
    return article


def do_dismiss_cluster(cluster: FaqCluster, user) -> None:
    """Not a FAQ (spam, a one-off): it keeps absorbing its paraphrases but is not suggested."""
    FaqCluster.objects.filter(pk=cluster.pk).update(status=ClusterStatus.DISMISSED, changed_by=user)


def do_restore_cluster(cluster: FaqCluster, user) -> None:
    FaqCluster.objects.filter(pk=cluster.pk).update(status=ClusterStatus.OPEN, changed_by=user)
