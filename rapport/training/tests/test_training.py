"""Training mode (issue 11 part 7, KN4, ES1, ES3, ES4): every built-in scenario played in every
language, the practice session's pages and permissions, progress and the gate before live
tickets. See docs/training.md."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from rapport.agents.assignment import available_members
from rapport.test import BaseTestCase
from rapport.tickets.models import Message, Ticket
from rapport.training import actions, engine
from rapport.training.models import PracticeSession, Scenario, SessionStatus


def play(user, scenario: Scenario, lang: str, replies: list[str]) -> PracticeSession:
    session = actions.do_start(user, scenario, lang)
    for reply in replies:
        actions.check_reply(session, user, reply)
        session.refresh_from_db()
        if session.status != SessionStatus.ACTIVE:
            break
    return session


class ScenarioLibraryTest(BaseTestCase):
    def test_every_builtin_scenario_resolves_with_a_good_script_and_escalates_with_a_bad_one(self):
        # The data migration loaded the built-ins; the four cases of seed 001 are among them.
        keys = set(Scenario.objects.filter(builtin=True).values_list("key", flat=True))
        self.assertLessEqual(
            {
                "unknown-feature",
                "known-feature",
                "angry-customer",
                "legal-threat",
                "insulting-customer",
            },
            keys,
        )
        tickets, messages = Ticket.objects.count(), Message.objects.count()
        for scenario in Scenario.objects.filter(builtin=True):
            examples = scenario.data["examples"]
            for lang in engine.LANGUAGES:
                with self.subTest(scenario=scenario.key, lang=lang, script="good"):
                    s = play(self.alice, scenario, lang, examples["good"][lang])
                    self.assertEqual(s.status, SessionStatus.RESOLVED)
                    self.assertGreaterEqual(s.score, scenario.pass_score)
                    self.assertTrue(actions.passed_sessions().filter(pk=s.pk).exists())
                    last = s.messages.last()
                    self.assertEqual(
                        last.text, scenario.data["states"]["resolved"]["message"][lang]
                    )
                with self.subTest(scenario=scenario.key, lang=lang, script="bad"):
                    s = play(self.alice, scenario, lang, examples["bad"][lang])
                    self.assertEqual(s.status, SessionStatus.FAILED)
                    moods = [m.mood for m in s.messages.filter(speaker="customer")]
                    order = engine.MOODS
                    # The customer only got angrier on the way (ES1: deflection, denial, rudeness).
                    self.assertEqual(moods, sorted(moods, key=order.index))
                    self.assertNotEqual(moods[0], moods[-1])
        # Practice never touches the live desk: no ticket, no message (never sent, no reports).
        self.assertEqual((Ticket.objects.count(), Message.objects.count()), (tickets, messages))

    def test_the_legal_threat_needs_the_escalation_wording(self):
        scenario = Scenario.objects.get(key="legal-threat")
        no_escalation = (
            "Hello Olga, thank you for telling us. I am sorry, I understand how disappointing "
            "this is. I will look into it and e-mail you tomorrow before noon."
        )
        s = play(self.alice, scenario, "en", [no_escalation])
        self.assertEqual((s.status, s.state), (SessionStatus.ACTIVE, "annoyed"))

    def test_the_turn_limit_fails_a_session_that_goes_nowhere(self):
        scenario = Scenario.objects.get(key="unknown-feature")
        s = play(self.alice, scenario, "en", ["Hello."] * 10)
        self.assertEqual((s.status, s.turns), (SessionStatus.FAILED, scenario.data["max_turns"]))

    def test_the_loader_updates_builtins_but_keeps_a_supervisors_edit(self):
        row = Scenario.objects.get(key="known-feature")
        Scenario.objects.filter(pk=row.pk).update(source="old", pass_score=10)
        angry = Scenario.objects.get(key="angry-customer")
        self.addCleanup(actions.forget_policy)
        actions.check_save_scenario(
            angry, source=angry.source, required=True, pass_score=90, is_active=True
        )
        out = StringIO()
        call_command("training_load", stdout=out)
        self.assertEqual(out.getvalue().strip(), "0 created, 1 updated")
        row.refresh_from_db()
        angry.refresh_from_db()
        self.assertEqual(row.pass_score, 70)
        self.assertEqual((angry.edited, angry.pass_score, angry.required), (True, 90, True))

    def test_a_broken_scenario_is_refused_with_its_problems(self):
        source = Scenario.objects.get(key="known-feature").source
        broken = source.replace('to = "resolved"', 'to = "nowhere"').replace(
            'if = ["bad"]', 'if = ["sarcasm"]', 1
        )
        with self.assertRaisesRegex(engine.ScenarioError, "nowhere|unknown fact 'sarcasm'"):
            engine.parse(broken)


class PracticePagesTest(BaseTestCase):
    def test_a_trainee_practises_through_the_pages_with_live_findings(self):
        scenario = Scenario.objects.get(key="angry-customer")
        self.login(self.alice)
        page = self.client.get(reverse("training"))
        self.assertContains(page, "SmartBrew")
        r = self.client.post(reverse("training-start", args=[scenario.pk]), {"language": "ru"})
        session = PracticeSession.objects.get(trainee=self.alice)
        self.assertRedirects(r, reverse("training-session", args=[session.pk]))
        page = self.client.get(r.url)
        self.assertContains(page, "Это безобразие!")
        live = self.client.post(
            reverse("training-coach", args=[session.pk]), {"body": "Это не мой отдел."}
        )
        self.assertContains(live, "CQ8")
        good = scenario.data["examples"]["good"]["ru"]
        for reply in good:
            self.client.post(r.url, {"body": reply})
        session.refresh_from_db()
        self.assertEqual(session.status, SessionStatus.RESOLVED)
        page = self.client.get(r.url)
        self.assertContains(page, "Жду курьера завтра.")
        self.assertNotContains(page, 'name="body"')  # over: no reply box
        # Escaped: the trainee's text is shown as text.
        other = actions.do_start(self.alice, scenario, "en")
        self.client.post(reverse("training-session", args=[other.pk]), {"body": "<b>hi</b>"})
        self.assertContains(
            self.client.get(reverse("training-session", args=[other.pk])), "&lt;b&gt;hi&lt;/b&gt;"
        )

    def test_a_trainee_sees_only_their_own_sessions_and_supervisors_see_everyones(self):
        scenario = Scenario.objects.get(key="known-feature")
        session = actions.do_start(self.alice, scenario, "en")
        url = reverse("training-session", args=[session.pk])
        for outsider in (self.bob, self.charlie):
            self.login(outsider)
            self.assertEqual(self.client.get(url).status_code, 404)
            self.assertEqual(
                self.client.post(
                    reverse("training-coach", args=[session.pk]), {"body": "x"}
                ).status_code,
                404,
            )
            self.assertEqual(self.client.post(url, {"body": "Hello"}).status_code, 404)
            progress = reverse("training-progress") + f"?agent={self.alice.pk}"
            self.assertEqual(self.client.get(progress).status_code, 403)
            self.assertEqual(self.client.get(reverse("training-overview")).status_code, 403)
            edit = reverse("training-scenario-edit", args=[scenario.pk])
            self.assertEqual(self.client.get(edit).status_code, 403)
        self.login(self.sam)
        self.assertEqual(self.client.get(url).status_code, 200)
        # A supervisor watches but does not answer in someone else's practice.
        self.client.post(url, {"body": "Hello Pavel"})
        session.refresh_from_db()
        self.assertEqual(session.turns, 0)
        progress = self.client.get(reverse("training-progress") + f"?agent={self.alice.pk}")
        self.assertContains(progress, "Alice")

    def test_a_supervisor_edits_and_duplicates_a_scenario(self):
        scenario = Scenario.objects.get(key="unknown-feature")
        self.addCleanup(actions.forget_policy)
        self.login(self.sam)
        edit = reverse("training-scenario-edit", args=[scenario.pk])
        bad = self.client.post(
            edit, {"source": "key = ", "pass_score": 70, "is_active": "on", "required": "on"}
        )
        self.assertContains(bad, "TOML")
        source = scenario.source.replace("Forget it.", "Never mind.")
        r = self.client.post(
            edit, {"source": source, "pass_score": 80, "is_active": "on", "required": "on"}
        )
        self.assertRedirects(r, reverse("training"))
        scenario.refresh_from_db()
        self.assertEqual(
            (scenario.required, scenario.pass_score, scenario.edited), (True, 80, True)
        )
        self.assertIn("Never mind.", scenario.data["states"]["lost"]["message"]["en"])
        r = self.client.post(reverse("training-duplicate", args=[scenario.pk]))
        copy = Scenario.objects.get(key="unknown-feature-copy")
        self.assertRedirects(r, reverse("training-scenario-edit", args=[copy.pk]))
        self.assertFalse(copy.builtin)
        self.assertIn('key = "unknown-feature-copy"', copy.source)
        self.assertEqual(engine.parse(copy.source)["key"], copy.key)


class ProgressAndGateTest(BaseTestCase):
    def test_progress_shows_sessions_scores_by_principle_and_the_trend(self):
        scenario = Scenario.objects.get(key="unknown-feature")
        play(self.alice, scenario, "en", scenario.data["examples"]["bad"]["en"])
        play(self.alice, scenario, "en", scenario.data["examples"]["good"]["en"])
        p = actions.progress(self.alice)
        self.assertEqual((p["finished"], p["resolved"]), (2, 1))
        self.assertGreater(p["trend"], 0)  # the second session scored better
        principles = {row[0] for row in p["principles"]}
        self.assertLessEqual({"CQ8", "CQ19"}, principles)
        self.assertEqual(actions.progress(self.bob)["finished"], 0)
        self.login(self.alice)
        page = self.client.get(reverse("training-progress"))
        self.assertContains(page, "CQ19")
        self.assertContains(page, "<polyline", html=False)

    def test_required_scenarios_flag_untrained_agents_and_keep_them_off_assignment(self):
        scenario = Scenario.objects.get(key="legal-threat")
        self.addCleanup(actions.forget_policy)  # the cached policy must not outlive the test
        # Nothing required: the banner costs no query of its own (the cached policy).
        self.login(self.alice)
        self.client.get(reverse("training-banner"))  # warms the cache
        with self.assertNumQueries(2):  # the session and the user
            self.assertNotContains(self.client.get(reverse("training-banner")), "training-banner")
        actions.check_save_scenario(
            scenario, source=scenario.source, required=True, pass_score=70, is_active=True
        )
        # Flagged (a banner) even with the gate off; assignment is untouched.
        self.assertEqual([s.key for s in actions.missing_required(self.alice)], ["legal-threat"])
        self.assertEqual(actions.missing_required(self.sam), [])
        self.assertEqual(actions.untrained_agent_ids(), set())
        self.login(self.alice)
        self.assertContains(self.client.get(reverse("training")), reverse("training-banner"))
        self.assertContains(self.client.get(reverse("training-banner")), "training-banner")
        # The gate on: neither Alice nor Bob is auto-assigned until they pass.
        self.login(self.sam)
        self.client.post(reverse("training-overview"), {"gate_enabled": "on"})
        self.assertEqual(
            actions.untrained_agent_ids(), {self.alice.pk, self.bob.pk, self.charlie.pk}
        )
        self.assertEqual(available_members(self.support), [])
        # A failed or low-scoring session does not count; a pass does.
        play(self.alice, scenario, "en", scenario.data["examples"]["bad"]["en"])
        self.assertIn(self.alice.pk, actions.untrained_agent_ids())
        play(self.alice, scenario, "en", scenario.data["examples"]["good"]["en"])
        self.assertEqual(available_members(self.support), [self.alice])
        overview = self.client.get(reverse("training-overview"))
        self.assertContains(overview, "not auto-assigned", count=2)  # Bob and Charlie
        self.login(self.alice)
        self.assertNotContains(self.client.get(reverse("training-banner")), "training-banner")
