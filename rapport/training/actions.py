"""Training mode's changes of state and permission lookups (KN4, ES1, ES3, ES4; docs/training.md).

- Built-in scenarios are loaded from rapport/training/scenarios/*.toml by a data migration and
  by `manage.py training_load` (run after an upgrade: it updates the built-ins no supervisor
  has edited).
- A trainee sees only their own sessions; supervisors and admins see everyone's.
- The gate: when on, agents who have not passed every required scenario are not assigned live
  tickets automatically (rapport/agents/assignment.py asks `untrained_agent_ids`).
"""

from __future__ import annotations

import re
from collections import defaultdict

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from rapport.accounts.models import Role, User

from . import engine
from .models import (
    PracticeMessage,
    PracticeSession,
    Scenario,
    SessionStatus,
    Speaker,
    TrainingSettings,
)

MAX_REPLY = 10_000

# The gate's policy (is it on; which scenarios are required), cached: every page asks (the
# banner) and every automatic assignment asks. Changes here forget it in this process; other
# processes see them within POLICY_SECONDS.
POLICY_KEY = "rapport:training:policy"
POLICY_SECONDS = 30


def policy() -> tuple[bool, tuple[int, ...]]:
    value = cache.get(POLICY_KEY)
    if value is None:
        value = (
            TrainingSettings.get().gate_enabled,
            tuple(
                Scenario.objects.filter(required=True, is_active=True)
                .order_by("id")
                .values_list("id", flat=True)
            ),
        )
        cache.set(POLICY_KEY, value, POLICY_SECONDS)
    gate, required = value
    return gate, tuple(required)


def forget_policy() -> None:
    cache.delete(POLICY_KEY)


# ------------------------------------------------------------------ scenarios
def load_builtins(model=Scenario, *, force: bool = False) -> tuple[int, int]:
    """Create or update the built-in scenarios from their files; a built-in a supervisor has
    edited is kept unless `force`. `model` lets the data migration pass its historical model.
    Returns (created, updated)."""
    created = updated = 0
    for path in engine.builtin_files():
        source = path.read_text(encoding="utf-8")
        data = engine.parse(source)
        row = model.objects.filter(key=data["key"]).first()
        fields = {
            "data": data,
            "source": source,
            "builtin": True,
            "pass_score": data.get("pass_score", engine.DEFAULT_PASS_SCORE),
            "updated_at": timezone.now(),
        }
        if row is None:
            model.objects.create(key=data["key"], **fields)
            created += 1
        elif force or (row.builtin and not row.edited and row.source != source):
            fields["edited"] = False
            model.objects.filter(pk=row.pk).update(**fields)
            updated += 1
    return created, updated


def is_supervisor(user: User) -> bool:
    return user.sees_all_teams


def require_supervisor(user: User) -> None:
    if not is_supervisor(user):
        raise PermissionDenied(_("Only supervisors and administrators manage training."))


def access_scenario(user: User, pk: int) -> Scenario:
    row = Scenario.objects.filter(pk=pk).first()
    if row is None or (not row.is_active and not is_supervisor(user)):
        raise Http404
    return row


def check_save_scenario(
    scenario: Scenario, *, source: str, required: bool, pass_score: int, is_active: bool
) -> Scenario:
    try:
        data = engine.parse(source)
    except engine.ScenarioError as exc:
        raise ValidationError(str(exc)) from exc
    if data["key"] != scenario.key:
        raise ValidationError(_("The key of a scenario cannot change (it is “%s”).") % scenario.key)
    scenario.data, scenario.source = data, source
    scenario.required, scenario.pass_score, scenario.is_active = required, pass_score, is_active
    scenario.edited = scenario.builtin
    scenario.updated_at = timezone.now()
    scenario.save()
    forget_policy()
    return scenario


def do_duplicate(scenario: Scenario) -> Scenario:
    """A copy to adapt: a new key, not built in, not required, inactive until saved active."""
    base = f"{scenario.key}-copy"[:56]
    n = 1
    key = base
    while Scenario.objects.filter(key=key).exists():
        n += 1
        key = f"{base}-{n}"
    data = dict(scenario.data, key=key)
    source = re.sub(r'(?m)^key\s*=\s*"[^"\n]*"', f'key = "{key}"', scenario.source or "", count=1)
    return Scenario.objects.create(
        key=key,
        data=data,
        source=source,
        builtin=False,
        is_active=scenario.is_active,
        pass_score=scenario.pass_score,
    )


def do_set_gate(enabled: bool) -> TrainingSettings:
    row = TrainingSettings.objects.order_by("id").first() or TrainingSettings()
    row.gate_enabled = enabled
    row.save()
    forget_policy()
    return row


# ------------------------------------------------------------------ sessions
def visible_sessions(user: User):
    """KN4: a trainee sees only their own sessions; supervisors see every team's."""
    qs = PracticeSession.objects.select_related("scenario", "trainee")
    return qs if is_supervisor(user) else qs.filter(trainee=user)


def access_session(user: User, pk: int) -> PracticeSession:
    row = visible_sessions(user).filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


def do_start(trainee: User, scenario: Scenario, language: str) -> PracticeSession:
    if language not in engine.LANGUAGES:
        language = "en"
    data = scenario.data
    start = data["start"]
    with transaction.atomic():
        session = PracticeSession.objects.create(
            trainee=trainee, scenario=scenario, data=data, language=language, state=start
        )
        PracticeMessage.objects.create(
            session=session,
            speaker=Speaker.CUSTOMER,
            text=engine.text(data["states"][start], language),
            state=start,
        )
    return session


def ui_language() -> str:
    return (get_language() or "en").split("-")[0]


def live_review(session: PracticeSession, reply: str) -> dict:
    """The coach's live findings on a draft, as on a real ticket's reply box."""
    return engine.review(
        session.data, session.state, reply[:MAX_REPLY], session.language, ui_language()
    )


def check_reply(session: PracticeSession, trainee: User, reply: str) -> engine.Step:
    if session.trainee_id != trainee.pk:
        raise PermissionDenied(_("Only the trainee answers in their practice session."))
    if session.status != SessionStatus.ACTIVE:
        raise ValidationError(_("This practice session is over."))
    reply = reply.strip()[:MAX_REPLY]
    if not reply:
        raise ValidationError(_("Write a reply."))
    return do_reply(session, reply)


def do_reply(session: PracticeSession, reply: str) -> engine.Step:
    """Score the reply, let the scripted customer react, finish the session at an end state or
    at the turn limit."""
    now = timezone.now()
    with transaction.atomic():
        # Locked: a double submit must not play one turn twice.
        session = PracticeSession.objects.select_for_update().get(pk=session.pk)
        if session.status != SessionStatus.ACTIVE:
            raise ValidationError(_("This practice session is over."))
        last = session.turns + 1 >= session.max_turns
        result = engine.step(
            session.data,
            session.state,
            reply,
            session.language,
            ui_language=ui_language(),
            last=last,
        )
        PracticeMessage.objects.create(
            session=session,
            speaker=Speaker.TRAINEE,
            text=reply,
            state=session.state,
            report=result.report,
            score=result.report["score"],
            created_at=now,
        )
        PracticeMessage.objects.create(
            session=session,
            speaker=Speaker.CUSTOMER,
            text=result.customer_text,
            state=result.state,
            created_at=now,
        )
        scores = list(
            PracticeMessage.objects.filter(session=session, speaker=Speaker.TRAINEE).values_list(
                "score", flat=True
            )
        )
        session.turns += 1
        session.state = result.state
        session.score = round(sum(scores) / len(scores))
        if result.end:
            session.status = result.end
            session.finished_at = now
        session.save(update_fields=["turns", "state", "score", "status", "finished_at"])
    return result


def passed_sessions():
    """Sessions that pass: resolved, with a mean score at or above the scenario's threshold."""
    return PracticeSession.objects.filter(
        status=SessionStatus.RESOLVED, score__gte=F("scenario__pass_score")
    )


# ------------------------------------------------------------------ progress and the gate
# Who must pass the required scenarios before live tickets: agents, and a partner team's
# agents too (MG5: an outside contractor's people are trained like ours).
GATED_ROLES = (Role.AGENT, Role.PARTNER)


def required_scenarios() -> list[Scenario]:
    return list(Scenario.objects.filter(required=True, is_active=True).order_by("id"))


def missing_required(user: User, required: list[Scenario] | None = None) -> list[Scenario]:
    """The required scenarios this agent has not passed yet (supervisors: none). No query when
    nothing is required (the cached policy)."""
    if user.role not in GATED_ROLES:
        return []
    ids = [s.pk for s in required] if required is not None else list(policy()[1])
    if not ids:
        return []
    done = set(
        passed_sessions()
        .filter(trainee=user, scenario_id__in=ids)
        .values_list("scenario_id", flat=True)
    )
    todo = [pk for pk in ids if pk not in done]
    if required is not None:
        return [s for s in required if s.pk in todo]
    return list(Scenario.objects.filter(pk__in=todo).order_by("id")) if todo else []


def untrained_agent_ids() -> set[int]:
    """Agents kept off automatic assignment (the gate is on and they have not passed every
    required scenario). Empty when the gate is off or nothing is required."""
    gate, ids = policy()
    required = set(ids)
    if not gate or not required:
        return set()
    done: dict[int, set[int]] = defaultdict(set)
    for trainee_id, scenario_id in (
        passed_sessions().filter(scenario_id__in=required).values_list("trainee_id", "scenario_id")
    ):
        done[trainee_id].add(scenario_id)
    agents = User.objects.filter(role__in=GATED_ROLES, is_active=True).values_list("id", flat=True)
    return {pk for pk in agents if not required <= done[pk]}


def progress(user: User) -> dict:
    """Sessions over time, the mean score by principle and the trend (KN4)."""
    sessions = list(
        PracticeSession.objects.filter(trainee=user)
        .select_related("scenario")
        .order_by("started_at", "id")
    )
    finished = [s for s in sessions if s.status != SessionStatus.ACTIVE and s.score is not None]
    by_principle: dict[str, list[int]] = defaultdict(list)
    reports = PracticeMessage.objects.filter(
        session__trainee=user, speaker=Speaker.TRAINEE
    ).values_list("report", flat=True)
    for report in reports.order_by("-id")[:500]:
        for principle, entry in (report or {}).get("breakdown", {}).items():
            by_principle[principle].append(entry["score"])
    principles = sorted(
        ((p, round(sum(v) / len(v)), len(v)) for p, v in by_principle.items()),
        key=lambda row: (row[1], row[0]),
    )
    scores = [s.score for s in finished]
    trend = None
    if len(scores) >= 2:
        half = len(scores) // 2
        recent, earlier = scores[half:], scores[:half]
        trend = round(sum(recent) / len(recent) - sum(earlier) / len(earlier))
    passed = set(passed_sessions().filter(trainee=user).values_list("scenario_id", flat=True))
    return {
        "sessions": sessions[::-1],
        "finished": len(finished),
        "resolved": sum(1 for s in finished if s.status == SessionStatus.RESOLVED),
        "scores": scores,
        "mean": round(sum(scores) / len(scores)) if scores else None,
        "trend": trend,
        "principles": principles,
        "passed": passed,
        "missing": missing_required(user),
    }


def team_overview(user: User) -> list[dict]:
    """For supervisors: every active agent with their sessions, mean score and the required
    scenarios still to pass."""
    require_supervisor(user)
    required = required_scenarios()
    gated = untrained_agent_ids()
    rows = []
    agents = User.objects.filter(is_active=True, role__in=GATED_ROLES).order_by("username")
    stats = defaultdict(list)
    for trainee_id, score in PracticeSession.objects.exclude(score=None).values_list(
        "trainee_id", "score"
    ):
        stats[trainee_id].append(score)
    done: dict[int, set[int]] = defaultdict(set)
    for trainee_id, scenario_id in passed_sessions().values_list("trainee_id", "scenario_id"):
        done[trainee_id].add(scenario_id)
    for agent in agents:
        scores = stats.get(agent.pk, [])
        rows.append(
            {
                "agent": agent,
                "sessions": len(scores),
                "mean": round(sum(scores) / len(scores)) if scores else None,
                "missing": [s for s in required if s.pk not in done[agent.pk]],
                "gated": agent.pk in gated,
            }
        )
    return rows
