"""Training mode (issue 11 part 7, KN4): scenarios, practice sessions and their turns, and the
gate before live tickets. See docs/training.md.

A practice session is not a ticket: it lives only here, is never sent to anyone and never
appears in the inbox, search or reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import engine


class Scenario(models.Model):
    key = models.SlugField(_("key"), max_length=64, unique=True)
    # The whole scenario (rapport/training/engine.py validates it): titles, persona, states with
    # the customer's messages per language, rules, escalation phrases, model answers.
    data = models.JSONField(default=dict)
    source = models.TextField(_("scenario (TOML)"), blank=True)
    builtin = models.BooleanField(_("built in"), default=False)
    # A supervisor's edit of a built-in scenario: the loader then leaves it alone.
    edited = models.BooleanField(default=False)
    is_active = models.BooleanField(_("active"), default=True)
    required = models.BooleanField(_("required before live tickets"), default=False)
    pass_score = models.PositiveSmallIntegerField(
        _("pass score"), default=engine.DEFAULT_PASS_SCORE
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.title()

    def title(self, lang: str | None = None) -> str:
        from django.utils.translation import get_language

        lang = lang or get_language() or "en"
        titles = self.data.get("title", {})
        return titles.get(lang) or titles.get("en") or self.key

    def persona(self, lang: str) -> str:
        texts = self.data.get("persona", {})
        return texts.get(lang) or texts.get("en", "")


class SessionStatus(models.TextChoices):
    ACTIVE = "active", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    FAILED = "failed", _("Failed")


class PracticeSession(models.Model):
    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_sessions"
    )
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="sessions")
    # The scenario as it was played: a later edit does not rewrite history.
    data = models.JSONField(default=dict)
    language = models.CharField(max_length=10, choices=settings.LANGUAGES)
    state = models.CharField(max_length=64)
    status = models.CharField(
        max_length=16, choices=SessionStatus.choices, default=SessionStatus.ACTIVE
    )
    turns = models.PositiveSmallIntegerField(default=0)
    score = models.PositiveSmallIntegerField(null=True, blank=True)  # mean of the replies
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["trainee", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.scenario.key} · {self.trainee} · {self.status}"

    @property
    def max_turns(self) -> int:
        return self.data.get("max_turns", engine.DEFAULT_MAX_TURNS)


class Speaker(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    TRAINEE = "trainee", _("Trainee")


class PracticeMessage(models.Model):
    session = models.ForeignKey(PracticeSession, on_delete=models.CASCADE, related_name="messages")
    speaker = models.CharField(max_length=10, choices=Speaker.choices)
    text = models.TextField()
    state = models.CharField(max_length=64)  # the customer's state when this was said
    report = models.JSONField(null=True, blank=True)  # the coach's review of a reply
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.speaker}: {self.text[:60]}"

    @property
    def mood(self) -> str:
        return self.session.data["states"].get(self.state, {}).get("mood", "calm")


class TrainingSettings(models.Model):
    """One row: whether agents who have not passed the required scenarios are kept off
    automatic assignment of live tickets."""

    gate_enabled = models.BooleanField(
        _("keep untrained agents off automatic assignment"), default=False
    )

    def __str__(self) -> str:
        return str(_("Training settings"))

    @classmethod
    def get(cls) -> TrainingSettings:
        row = cls.objects.order_by("id").first()
        return row or cls(gate_enabled=False)
