"""The permission matrix (docs/permissions.md), walked: every URL of the desk × every persona.

The expected answers are read from the URL table of docs/permissions.md, so the document and
the code cannot drift apart: a URL added without a row there fails
`test_every_url_has_a_row_in_the_matrix`, a row whose URL is gone fails it too, and a view
that answers differently from its row fails `test_every_url_answers_every_persona_as_written`
with the list of differences.

Every object in the URL kwargs belongs to the Support team and to the customer Carol
(rapport/accounts/tests/world.py), so each column reads "what may this persona do with
Support's things". The IDOR probes at the end try other customers' and other teams' ids.

To rewrite the table after a deliberate change of the rules:
`PERMISSIONS_WRITE=1 .venv/bin/pytest -s rapport/accounts/tests/test_permission_matrix.py`
prints the observed table; review every changed cell before pasting it (TR1, MG5).
"""

from __future__ import annotations

import logging
import os
import re
import time
from pathlib import Path

from django.test import Client, TestCase
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from rapport.feedback.links import make_token
from rapport.followups.actions import optout_token
from rapport.portal.actions import login_token
from rapport.test import Personas
from rapport.webchat.actions import FILE_SALT

from .world import build_world

DOC = Path(__file__).resolve().parents[3] / "docs" / "permissions.md"
PERSONAS = ("anonymous", "customer", "agent", "outsider", "partner", "legal", "supervisor", "admin")
ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|(.+)\|\s*$")
# Admin-site URLs that AdminSite.admin_view does not guard: a row of their own. django_rq's
# JSON statistics (with REDIS_URL only) take staff or its API token, and answer 401.
OWN_ROWS = ("admin:login", "admin:logout", "admin:django_rq_home_json")
CODES = {"200", "login", "portal", "302", "400", "401", "403", "404", "405"}


def walk_urls(patterns=None, prefix: str = "", namespace: str = ""):
    """(route name, pattern object, keyword names, positional count) of every URL pattern."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from walk_urls(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            if not p.name and namespace == "admin":
                continue  # the admin's unnamed "<object_id>/" → ".../change/" redirects
            name = p.name or prefix + str(p.pattern)  # an unnamed URL is its own row
            full = f"{namespace}:{name}" if namespace else name
            yield full, prefix + str(p.pattern), p


def matrix_name(full: str, route: str) -> str:
    """The row of a URL: its name; the admin site is one row (every ModelAdmin URL is guarded
    by the same AdminSite.admin_view); DRF's format-suffix twins share their plain row."""
    if full.startswith("admin:") and full not in OWN_ROWS:
        return "admin:*"
    return full


def read_matrix() -> dict[str, dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if not m:
            continue
        cells = [c.strip() for c in m.group(2).split("|")]
        if len(cells) < len(PERSONAS):
            continue
        rows[m.group(1)] = dict(zip(PERSONAS, cells[: len(PERSONAS)], strict=True))
    return rows


def classify(response) -> str:
    code = response.status_code
    if code in (301, 302, 303, 307, 308):
        location = response.get("Location", "")
        path = location.split("?")[0]
        if path.endswith(("/login/", "/admin/login/")) and not path.endswith("/portal/login/"):
            return "login"
        if path.endswith("/portal/login/"):
            return "portal"
        return "302"
    return str(code)


class MatrixWorld(Personas, TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.w = build_world(cls)

    # --- the clients of the personas ------------------------------------------------------

    def client_for(self, persona: str) -> Client:
        client = Client(raise_request_exception=False)
        users = {
            "agent": self.alice,
            "outsider": self.charlie,
            "partner": self.pat,
            "legal": self.lee,
            "supervisor": self.sam,
            "admin": self.ada,
        }
        if persona in users:
            client.force_login(users[persona])
        elif persona == "customer":
            self.sign_in_customer(client, self.w.carol_identity)
        return client

    def sign_in_customer(self, client: Client, identity) -> None:
        from rapport.portal.models import LoginLink

        link = LoginLink.objects.create(identity=identity, language="en")
        response = client.post(reverse("portal-login-link", args=[login_token(link)]))
        assert response.status_code == 302, response.status_code

    # --- the kwargs of every URL ------------------------------------------------------------

    def kwargs_for(self, name: str, pattern) -> dict | None:
        """The URL kwargs naming Support's and Carol's objects; None: the route takes none."""
        from django.core import signing

        w, s = self.w, self
        by_name = {
            "api-token-revoke": {"pk": w.api_token.pk},
            "webhook": {"pk": w.endpoint.pk},
            "webhook-toggle": {"pk": w.endpoint.pk},
            "webhook-ping": {"pk": w.endpoint.pk},
            "webhook-redeliver": {"pk": w.hook_delivery.pk},
            "flag-clear": {"pk": w.flag.pk},
            "mail-inbound": {"mailbox_id": w.mailbox.pk},
            "sla-calendar": {"pk": w.calendar.pk},
            "sla-policy": {"pk": w.policy.pk},
            "sla-policy-delete": {"pk": w.policy.pk},
            "promise-close": {"pk": w.promise.pk},
            "agent-limits": {"pk": s.alice.pk},
            "team-assignment": {"pk": s.support.pk},
            "webchat-widget": {"pk": w.widget.pk},
            "webchat-file": {"signed": signing.dumps(w.attachment.pk, salt=FILE_SALT)},
            "phone-cti": {"integration_id": w.cti.pk},
            "telegram-webhook": {"bot_id": w.bot.pk},
            "faq-draft": {"pk": w.cluster.pk},
            "faq-dismiss": {"pk": w.cluster.pk},
            "faq-restore": {"pk": w.cluster.pk},
            "followup-edit": {"pk": w.followup.pk},
            "followup-cancel": {"pk": w.followup.pk},
            "followups-optout": {"token": optout_token(s.carol.pk, "check_in")},
            "purchase-import-report": {"pk": w.purchase_import.pk},
            "kb_restore": {"pk": w.version.pk},
            "kb_resolve": {"pk": w.version.pk},
            "kb_detach": {"pk": w.kb_attachment.pk},
            "kb-file": {"pk": w.kb_attachment.pk, "filename": w.kb_attachment.filename},
            "review-api": {"source_id": w.review_source.pk},
            "reports-goal-delete": {"pk": w.goal.pk},
            "reports-export": {"page": "dashboard", "name": "summary", "fmt": "csv"},
            "macro-use": {"pk": w.macro.pk, "ticket_pk": w.ticket.pk},
            "approval-decide": {"pk": w.grant.pk},
            "help-file": {
                "pk": w.public_kb_attachment.pk,
                "filename": w.public_kb_attachment.filename,
            },
            "help-category": {"language": "en", "pk": w.category.pk},
            "help-article": {"language": "en", "pk": w.public_article.pk},
            "help-feedback": {"language": "en", "pk": w.public_article.pk},
            "portal-contact-sent": {"language": "en", "token": w.contact_receipt},
            "portal-login-link": {"token": login_token(w.used_login_link)},
            "portal-attachment": {"pk": w.ticket.pk, "attachment_id": w.attachment.pk},
            "saved-search-delete": {"pk": w.saved.pk},
            "message-split": {"pk": w.message.pk},
            "message-original": {"pk": w.message.pk},
            "attachment": {"pk": w.attachment.pk},
            "delivery-resend": {"pk": w.delivery.pk},
            "feedback-link": {"token": make_token(w.survey.pk, "3")},
            "feedback-comment": {"token": make_token(w.survey.pk, "3")},
            "privacy-erasure": {"pk": getattr(w, "erasure", w.ticket).pk},
        }
        by_prefix = {  # the object a route's pk names, by the route name's first word
            "api-ticket": w.ticket,
            "api-message": w.message,
            "api-note": w.note,
            "api-event": w.event,
            "api-customer": w.customer,
            "api-organisation": w.organisation,
            "api-team": s.support,
            "api-agent": s.alice,
            "api-article": w.article,
            "api-review": w.review,
            "api-purchase": w.purchase,
            "customer": w.customer,
            "followups": w.customer,
            "rule": w.rule,
            "kb": w.article,
            "review": w.review,
            "macro": w.macro,
            "idea": w.idea,
            "training-session": w.session,
            "training-coach": w.session,
            "training": w.scenario,
            "portal-ticket": w.ticket,
            "privacy": w.customer,
            "side-open": w.ticket,
            "side-resend": getattr(w, "side_message", None),
            "side-original": getattr(w, "side_message", None),
            "side": getattr(w, "side", None),
        }
        keys = set(pattern.pattern.regex.groupindex)
        if not keys:
            return None
        kwargs = dict(by_name.get(name, {}))
        for key in keys - set(kwargs):
            if key == "format":
                kwargs[key] = "json"
            elif key == "language":
                kwargs[key] = "en"
            elif key in ("ticket_id", "ticket_pk"):
                kwargs[key] = w.ticket.pk
            elif key == "key":
                kwargs[key] = w.widget.key
            elif key == "pk":
                obj = next(
                    (
                        o
                        for p, o in by_prefix.items()
                        if name == p or name.startswith((p + "-", p + "_"))
                    ),
                    None,
                )
                if obj is None and name.startswith(("ticket", "promise", "suggest", "feedback")):
                    obj = w.ticket
                if obj is None:
                    return {"__missing__": key}
                kwargs[key] = obj.pk
            elif key == "object_id":
                kwargs[key] = "1"
            elif key == "app_label":
                kwargs[key] = "accounts"
            else:
                return {"__missing__": key}
        return kwargs

    def all_requests(self):
        """(row, url) for every pattern of the URL conf, kwargs filled."""
        seen = set()
        missing = []
        self.url_kwargs: dict[str, tuple] = {}
        for full, route, pattern in walk_urls():
            row = matrix_name(full, route)
            if full.startswith("admin:"):
                kwargs = admin_kwargs(pattern)
            else:
                kwargs = self.kwargs_for(full, pattern)
            if kwargs is not None and "__missing__" in kwargs:
                missing.append(f"{full} ({route}): {kwargs['__missing__']}")
                continue
            if not pattern.name:  # unnamed: the route itself (it takes no kwargs, see above)
                url = "/" + route
            else:
                url = reverse(full, kwargs=kwargs) if kwargs else reverse(full)
            if (row, url) in seen:
                continue
            seen.add((row, url))
            self.url_kwargs[url] = tuple(kwargs or ())
            yield row, full, url
        assert not missing, (
            "the world has no object for these URLs; add one to rapport/accounts/tests/world.py"
            " and kwargs_for:\n" + "\n".join(missing)
        )


def admin_kwargs(pattern) -> dict | None:
    keys = list(pattern.pattern.regex.groupindex)
    if not keys:
        return None
    kwargs = {}
    for key in keys:
        if key == "app_label":
            # app_list's pattern lists the registered apps: take the first.
            alternatives = re.search(r"\(\?P<app_label>([^)]+)\)", pattern.pattern.regex.pattern)
            kwargs[key] = alternatives.group(1).split("|")[0] if alternatives else "accounts"
        elif key == "content_type_id":
            kwargs[key] = 1
        else:
            kwargs[key] = "1"
    return kwargs


class PermissionMatrixTest(MatrixWorld):
    def test_every_url_has_a_row_in_the_matrix(self):
        matrix = read_matrix()
        rows = {matrix_name(full, route) for full, route, _p in walk_urls()}
        missing = sorted(rows - set(matrix))
        self.assertEqual(
            missing,
            [],
            "URLs without a row in docs/permissions.md (add one per new URL: who may open it)",
        )
        # A row whose URL is gone is not checked: helpers land URLs in parallel, and a row
        # written a little before its URL must not fail everyone else's run. Remove such rows
        # by hand (PERMISSIONS_WRITE prints only the rows of URLs that exist).
        for row, cells in matrix.items():
            for persona, cell in cells.items():
                self.assertIn(cell, CODES, f"{row} / {persona}: unknown answer {cell!r}")

    def test_every_url_answers_every_persona_as_written(self):
        matrix = read_matrix()
        observed: dict[str, dict[str, str]] = {}
        differences = []
        # 403s and 404s are the point here: Django's warning (with a traceback) for each of
        # hundreds of them would cost seconds. Server errors are still logged.
        quiet = logging.getLogger("django.request")
        level = quiet.level
        quiet.setLevel(logging.ERROR)
        self.addCleanup(quiet.setLevel, level)
        requests = list(self.all_requests())
        kinds = self.url_kwargs
        spent: dict[str, float] = {}
        for persona in PERSONAS:
            client = self.client_for(persona)
            for row, full, url in requests:
                if row == "admin:*" and persona not in ("anonymous", "agent", "partner"):
                    # One guard (AdminSite.admin_view) for the whole site: three non-staff
                    # personas walk every admin URL; the others open its index only.
                    if full != "admin:index":
                        continue
                if "format" in kinds.get(url, ()) and persona in ("customer", "legal", "admin"):
                    continue  # DRF's ".json" twins share their row and view with the plain URL
                started = time.perf_counter()
                got = classify(client.get(url))
                spent[row] = spent.get(row, 0.0) + time.perf_counter() - started
                cell = observed.setdefault(row, {}).setdefault(persona, got)
                if cell != got:  # one row, several URLs (admin): keep the first difference
                    observed[row][persona] = f"{cell}/{got}"
                expected = matrix.get(row, {}).get(persona)
                if expected is not None and expected != got:
                    differences.append(f"{persona:>10} GET {url} ({full}): {got}, not {expected}")
        if os.environ.get("PERMISSIONS_WRITE"):
            slow = sorted(spent.items(), key=lambda kv: -kv[1])[:15]
            print(f"\nrequests: {sum(spent.values()):.1f} s; slowest rows:")
            print(", ".join(f"{r} {t:.2f} s" for r, t in slow))
            print("\n| URL name | " + " | ".join(PERSONAS) + " |")
            print("|---|" + "---|" * len(PERSONAS))
            for row in sorted(observed):
                cells = [observed[row].get(p, matrix.get(row, {}).get(p, "?")) for p in PERSONAS]
                print(f"| `{row}` | " + " | ".join(cells) + " |")
        self.assertEqual(differences, [], "\n".join(differences))

    # --- IDOR probes: other customers' and other teams' ids, by GET and by POST ----------------

    def test_a_partner_agent_works_their_own_teams_tickets_and_nothing_else(self):
        w, client = self.w, self.client_for("partner")
        own, other = w.erin_ticket, w.ticket
        self.assertEqual(client.get(reverse("ticket", args=[own.pk])).status_code, 200)
        self.assertEqual(client.get(reverse("customer", args=[own.customer_id])).status_code, 200)
        for url in (
            reverse("ticket", args=[other.pk]),
            reverse("ticket", args=[w.billing_ticket.pk]),
            reverse("customer", args=[other.customer_id]),
            reverse("suggest-ticket", args=[other.pk]),
            reverse("macro-picker", args=[other.pk]),
            reverse("attachment", args=[w.attachment.pk]),
            reverse("api-ticket-detail", args=[other.pk]),
            reverse("api-ticket-notes", args=[other.pk]),
            reverse("api-customer-detail", args=[other.customer_id]),
            reverse("api-team-detail", args=[self.support.pk]),
            reverse("api-agent-detail", args=[self.alice.pk]),
        ):
            self.assertEqual(client.get(url).status_code, 404, url)
        api = client.get(reverse("api-ticket-list")).json()["results"]
        self.assertEqual([t["id"] for t in api], [own.pk])
        customers = client.get(reverse("api-customer-list")).json()["results"]
        self.assertEqual([c["id"] for c in customers], [own.customer_id])
        teams = client.get(reverse("api-team-list")).json()["results"]
        self.assertEqual([t["id"] for t in teams], [self.partner_team.pk])
        agents = client.get(reverse("api-agent-list")).json()["results"]
        self.assertEqual([a["id"] for a in agents], [self.pat.pk])
        # The inbox, the customer list and the search name nothing of Support's.
        for url in (reverse("inbox"), reverse("customers"), reverse("search") + "?q=order"):
            page = client.get(url).content.decode()
            self.assertNotIn("Where is my order", page, url)
            self.assertNotIn("Carol", page, url)
        self.assertIn("Erin", client.get(reverse("inbox")).content.decode())

    def test_a_partner_agent_sees_public_and_own_articles_but_no_company_wide_internal_one(self):
        w = self.w
        partner, agent = self.client_for("partner"), self.client_for("agent")
        company = reverse("kb_article", args=[w.company_article.pk])
        self.assertEqual(agent.get(company).status_code, 200)  # the company's own agents
        self.assertEqual(partner.get(company).status_code, 404)
        self.assertEqual(partner.get(reverse("kb_article", args=[w.article.pk])).status_code, 404)
        public = reverse("kb_article", args=[w.public_article.pk])
        self.assertEqual(partner.get(public).status_code, 200)
        listed = partner.get(reverse("kb")).content.decode()
        self.assertIn("Opening hours", listed)
        self.assertNotIn("Refund policy", listed)
        api = partner.get(reverse("api-article-list")).json()["results"]
        self.assertEqual([a["id"] for a in api], [w.public_article.pk])
        self.assertIn("Refund policy", agent.get(reverse("kb")).content.decode())

    def test_posts_on_another_teams_or_customers_objects_are_refused(self):
        w = self.w
        partner = self.client_for("partner")
        agent = self.client_for("agent")
        probes = [
            (partner, reverse("ticket-note", args=[w.ticket.pk]), {"body": "x"}),
            (partner, reverse("ticket-reply", args=[w.ticket.pk]), {"body": "x"}),
            (partner, reverse("macro-use", args=[w.macro.pk, w.ticket.pk]), {}),
            (partner, reverse("customer-flag", args=[self.carol.pk]), {"kind": "vip"}),
            (agent, reverse("ticket-note", args=[w.billing_ticket.pk]), {"body": "x"}),
            (agent, reverse("customer-flag", args=[w.billing_ticket.customer_id]), {}),
        ]
        for client, url, data in probes:
            self.assertEqual(client.post(url, data).status_code, 404, url)
        api = partner.post(
            reverse("api-ticket-notes", args=[w.ticket.pk]), {"body": "x"}, format="json"
        )
        self.assertIn(api.status_code, (403, 404))  # a read token or no such ticket: never 201
        self.assertFalse(w.ticket.notes.filter(body="x").exists())
        # The partner's own ticket takes a note.
        done = partner.post(reverse("ticket-note", args=[w.erin_ticket.pk]), {"body": "Called"})
        self.assertEqual(done.status_code, 302)
        self.assertTrue(w.erin_ticket.notes.filter(body="Called", author=self.pat).exists())

    def test_a_customer_reaches_only_their_own_tickets_on_the_portal(self):
        w, client = self.w, self.client_for("customer")
        self.assertEqual(client.get(reverse("portal-ticket", args=[w.ticket.pk])).status_code, 200)
        for url in (
            reverse("portal-ticket", args=[w.dave_ticket.pk]),
            reverse("portal-ticket", args=[w.erin_ticket.pk]),
            reverse("portal-attachment", args=[w.dave_ticket.pk, w.attachment.pk]),
        ):
            self.assertEqual(client.get(url).status_code, 404, url)
        reply = client.post(reverse("portal-ticket", args=[w.dave_ticket.pk]), {"text": "Hi"})
        self.assertEqual(reply.status_code, 404)
        # A portal session is no desk session.
        self.assertEqual(client.get(reverse("ticket", args=[w.ticket.pk])).status_code, 302)
        self.assertEqual(client.get(reverse("api-ticket-list")).status_code, 401)

    # --- the partner report (MG5) ----------------------------------------------------------

    def test_supervisors_see_each_partner_beside_the_own_teams(self):
        from rapport.reports.actions import do_rebuild

        do_rebuild()
        client = self.client_for("supervisor")
        page = client.get(reverse("partner-report")).content.decode()
        self.assertIn("Outsourced", page)
        self.assertIn("Callcenter Ltd", page)
        self.assertIn("Our own teams", page)
        csv = client.get(reverse("partner-report") + "?days=90&format=csv")
        self.assertEqual(csv.status_code, 200)
        lines = csv.content.decode("utf-8-sig").splitlines()
        self.assertTrue(lines[0].startswith("Team,Company,Created"))
        self.assertTrue(lines[1].startswith("Outsourced,Callcenter Ltd,1,"), lines[1])

    def test_the_report_is_for_supervisors_not_for_partners_or_agents(self):
        for persona in ("partner", "agent"):
            response = self.client_for(persona).get(reverse("partner-report"))
            self.assertEqual(response.status_code, 403, persona)

    # --- what else a partner-team agent is held to (MG5) -------------------------------------

    def test_a_partner_agent_asks_a_supervisor_for_any_grant_and_must_pass_required_training(
        self,
    ):
        from decimal import Decimal

        from rapport.approvals.actions import limit_for
        from rapport.approvals.models import EmpowermentLimit, GrantKind, LimitRole
        from rapport.training.actions import missing_required

        EmpowermentLimit.objects.create(
            role=LimitRole.AGENT, kind=GrantKind.REFUND, currency="EUR", max_amount=50
        )
        self.assertEqual(limit_for(self.alice, GrantKind.REFUND, "EUR"), Decimal(50))
        self.assertEqual(limit_for(self.pat, GrantKind.REFUND, "EUR"), Decimal(0))
        required = [self.w.scenario]
        self.assertEqual(missing_required(self.pat, required), required)
        self.assertEqual(missing_required(self.alice, required), required)
        self.assertEqual(missing_required(self.sam, required), [])

    def test_a_partner_agents_new_article_belongs_to_their_team(self):
        from rapport.kb.models import Article

        client = self.client_for("partner")
        data = {
            "language": "en",
            "title": "Night shift",
            "body": "Call back after 8.",
            "visibility": "internal",
        }
        refused = client.post(reverse("kb_new"), data)
        self.assertEqual(refused.status_code, 400)  # the form again: choose one of your teams
        self.assertFalse(Article.objects.filter(translations__title="Night shift").exists())
        done = client.post(reverse("kb_new"), {**data, "team": self.partner_team.pk})
        self.assertEqual(done.status_code, 302)
        article = Article.objects.get(translations__title="Night shift")
        self.assertEqual(article.team, self.partner_team)
        self.assertEqual(client.get(reverse("kb_article", args=[article.pk])).status_code, 200)

    def test_a_posted_customer_id_does_not_reveal_another_teams_customer(self):
        frank = self.w.billing_ticket.customer
        bad = {"customer": frank.pk, "direction": "nonsense"}  # an invalid form, shown again
        for persona, shown in (("agent", False), ("partner", False), ("supervisor", True)):
            page = self.client_for(persona).post(reverse("phone-log"), bad)
            self.assertEqual(page.status_code, 400, persona)
            self.assertEqual("Frank Miller" in page.content.decode(), shown, persona)
        # The caller's own number typed in the lookup names them: shown (they are on the line).
        page = self.client_for("agent").post(
            reverse("phone-log"), {**bad, "q": "frank@example.com"}
        )
        self.assertIn("Frank Miller", page.content.decode())
