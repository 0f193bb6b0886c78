"""Training mode's pages (KN4; docs/training.md). Thin views: access → validate → one action."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.accounts.models import User

from . import actions, engine
from .forms import ScenarioForm, StartForm
from .models import Scenario, SessionStatus, Speaker, TrainingSettings

LANGUAGE_LABELS = {"en": "English", "ru": "Русский", "zh-hans": "简体中文"}
MOOD_LABELS = {
    "calm": gettext_lazy("calm"),
    "annoyed": gettext_lazy("annoyed"),
    "angry": gettext_lazy("angry"),
    "furious": gettext_lazy("furious"),
}


def _lang() -> str:
    lang = get_language() or "en"
    return lang if lang in engine.LANGUAGES else "en"


@login_required
@require_GET
def scenario_list(request: HttpRequest) -> HttpResponse:
    qs = Scenario.objects.all()
    if not actions.is_supervisor(request.user):
        qs = qs.filter(is_active=True)
    lang = _lang()
    scenarios = [
        {"row": s, "title": s.title(lang), "persona": s.persona(lang)} for s in qs.order_by("key")
    ]
    return render(
        request,
        "training/list.html",
        {
            "scenarios": scenarios,
            "supervisor": actions.is_supervisor(request.user),
            "languages": [(code, LANGUAGE_LABELS[code]) for code in engine.LANGUAGES],
            "default_language": lang,
            "passed": set(
                actions.passed_sessions()
                .filter(trainee=request.user)
                .values_list("scenario_id", flat=True)
            ),
            "settings": TrainingSettings.get(),
        },
    )


@login_required
@require_POST
def session_start(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = actions.access_scenario(request.user, pk)
    form = StartForm(request.POST)
    language = form.cleaned_data["language"] if form.is_valid() else _lang()
    session = actions.do_start(request.user, scenario, language)
    return redirect("training-session", pk=session.pk)


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = actions.access_session(request.user, pk)
    if request.method == "POST":
        try:
            actions.check_reply(session, request.user, request.POST.get("body") or "")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("training-session", pk=session.pk)
    conversation = list(session.messages.all())
    states = session.data.get("states", {})
    for m in conversation:
        m.mood_name = states.get(m.state, {}).get("mood", "calm")
        m.mood_label = MOOD_LABELS.get(m.mood_name, m.mood_name)
    mood = states.get(session.state, {}).get("mood", "calm")
    done = session.status != SessionStatus.ACTIVE
    return render(
        request,
        "training/session.html",
        {
            "session": session,
            "conversation": conversation,
            "title": session.scenario.title(session.language),
            "persona": session.scenario.persona(session.language),
            "mood": mood,
            "mood_label": MOOD_LABELS.get(mood, mood),
            "can_reply": not done and session.trainee_id == request.user.pk,
            "done": done,
            "examples": session.data.get("examples", {}).get("good", {}).get(session.language, [])
            if done
            else [],
            "passed": done and actions.passed_sessions().filter(pk=session.pk).exists(),
            "Speaker": Speaker,
        },
    )


@login_required
@require_POST
def session_coach(request: HttpRequest, pk: int) -> HttpResponse:
    """Live findings on the reply being typed (htmx, debounced), as in a ticket's reply box."""
    session = actions.access_session(request.user, pk)
    text = (request.POST.get("body") or "")[: actions.MAX_REPLY]
    report = actions.live_review(session, text) if text.strip() else None
    return render(request, "tickets/_coach.html", {"report": report})


@login_required
@require_GET
def banner(request: HttpRequest) -> HttpResponse:
    """The required scenarios the agent has yet to pass (KN4), fetched by every page after it
    loads (base.html), so that no page pays for it; no query unless something is required."""
    missing = actions.missing_required(request.user)
    gate = actions.policy()[0] if missing else False
    return render(request, "training/_banner.html", {"missing": missing, "gate": gate})


@login_required
@require_GET
def progress(request: HttpRequest) -> HttpResponse:
    """The trainee's own progress; a supervisor may look at any agent's (?agent=<id>)."""
    who = request.user
    agent_id = request.GET.get("agent")
    if agent_id and agent_id.isdigit() and int(agent_id) != request.user.pk:
        actions.require_supervisor(request.user)
        who = User.objects.filter(pk=int(agent_id)).first() or request.user
    data = actions.progress(who)
    scores = data["scores"][-30:]
    width = max(1, len(scores) - 1)
    points = " ".join(f"{i * 300 / width:.0f},{100 - s:.0f}" for i, s in enumerate(scores))
    return render(
        request,
        "training/progress.html",
        {"who": who, "p": data, "points": points, "own": who == request.user},
    )


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Supervisors: every agent's training, the required scenarios and the gate."""
    actions.require_supervisor(request.user)
    if request.method == "POST":
        actions.do_set_gate(request.POST.get("gate_enabled") == "on")
        messages.success(request, _("Saved."))
        return redirect("training-overview")
    return render(
        request,
        "training/overview.html",
        {
            "rows": actions.team_overview(request.user),
            "required": actions.required_scenarios(),
            "settings": TrainingSettings.get(),
        },
    )


@login_required
def scenario_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actions.require_supervisor(request.user)
    scenario = actions.access_scenario(request.user, pk)
    if request.method == "POST":
        form = ScenarioForm(request.POST)
        if form.is_valid():
            try:
                actions.check_save_scenario(scenario, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error("source", exc)
            else:
                messages.success(request, _("The scenario is saved."))
                return redirect("training")
    else:
        form = ScenarioForm(
            initial={
                "source": scenario.source,
                "required": scenario.required,
                "pass_score": scenario.pass_score,
                "is_active": scenario.is_active,
            }
        )
    return render(
        request,
        "training/edit.html",
        {"scenario": scenario, "form": form, "title": scenario.title(_lang())},
    )


@login_required
@require_POST
def scenario_duplicate(request: HttpRequest, pk: int) -> HttpResponse:
    actions.require_supervisor(request.user)
    copy = actions.do_duplicate(actions.access_scenario(request.user, pk))
    messages.success(request, _("A copy was made: edit it below."))
    return redirect("training-scenario-edit", pk=copy.pk)
