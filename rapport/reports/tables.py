"""The dashboard's tables (title, headers, rows): shown on the page and exported."""

from __future__ import annotations

from django.utils.translation import gettext as _

from rapport.accounts.models import Team, User
from rapport.customers.models import CustomerKind
from rapport.lib.channels import Channel
from rapport.sla.models import ClockKind

from .queries import hours


def _agent_names(ids) -> dict:
    return {u.pk: u.display_name for u in User.objects.filter(pk__in=[i for i in ids if i])}


def _team_names(ids) -> dict:
    return dict(Team.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "name"))


def build(report: dict) -> dict[str, tuple[str, list[str], list[list]]]:
    channels = dict(Channel.choices)
    kinds = dict(CustomerKind.choices)
    clocks = dict(ClockKind.choices)
    s = report["summary"]
    t: dict[str, tuple[str, list[str], list[list]]] = {}
    t["summary"] = (
        _("Summary"),
        [_("Figure"), _("Value")],
        [
            [_("Tickets created"), s["created"]],
            [_("Tickets solved"), s["solved"]],
            [_("First response, median (business hours)"), hours(s["frt_p50"])],
            [_("First response, p90 (business hours)"), hours(s["frt_p90"])],
            [_("Resolution, median (business hours)"), hours(s["res_p50"])],
            [_("Resolution, p90 (business hours)"), hours(s["res_p90"])],
            [_("SLA attainment (%)"), s["sla_rate"]],
            [_("Promises kept on time (%)"), s["promises_rate"]],
            [_("Answers earlier than promised (%)"), s["beaten_rate"]],
            [_("Satisfaction, mean level (1–5)"), s["survey_mean"]],
            [_("Service-level index: beyond satisfied (%)"), s["service_index"]],
            [_("Reply quality (coach, 0–100)"), s["quality"]],
            [_("Reviews answered (%)"), s["review_rate"]],
            [_("Review response, median (hours)"), hours(s["review_p50"])],
            [_("Backlog at the end of the period"), report["backlog"]["end"]],
        ],
    )
    t["channels"] = (
        _("By channel"),
        [
            _("Channel"),
            _("Created"),
            _("Solved"),
            _("First response median (h)"),
            _("First response p90 (h)"),
        ],
        [
            [
                channels.get(ch, ch),
                v["created"],
                v["solved"],
                hours(v["frt_p50"]),
                hours(v["frt_p90"]),
            ]
            for ch, v in report["channels"].items()
        ],
    )
    backlog = {r["day"]: r["open"] for r in report["backlog"]["series"]}
    t["days"] = (
        _("By day"),
        [_("Day"), _("Created"), _("Solved"), _("Open at the end of the day")],
        [[d["day"], d["created"], d["solved"], backlog.get(d["day"])] for d in report["days"]],
    )
    t["hours"] = (
        _("By hour of day"),
        [_("Hour"), _("Tickets created")],
        [[f"{h:02d}:00", report["hours"].get(h, 0)] for h in range(24)],
    )
    t["sla"] = (
        _("SLA attainment"),
        [_("Clock"), _("Met"), _("Breached"), _("Attainment (%)")],
        [
            [str(clocks.get(k, k)), v["met"], v["breached"], v["rate"]]
            for k, v in report["sla_by_kind"].items()
        ],
    )
    names = _agent_names(report["agents"])
    t["agents"] = (
        _("By agent"),
        [
            _("Agent"),
            _("Solved"),
            _("First response p90 (h)"),
            _("Replies reviewed"),
            _("Quality (0–100)"),
            _("Satisfaction (1–5)"),
        ],
        sorted(
            [
                [
                    names.get(a, "—"),
                    v["solved"],
                    hours(v["frt_p90"]),
                    v["coach_n"],
                    v["quality"],
                    v["survey_mean"],
                ]
                for a, v in report["agents"].items()
            ],
            key=lambda r: str(r[0]),
        ),
    )
    tnames = _team_names(report["teams"])
    t["teams"] = (
        _("By team"),
        [
            _("Team"),
            _("Solved"),
            _("First response p90 (h)"),
            _("SLA attainment (%)"),
            _("Quality (0–100)"),
            _("Satisfaction (1–5)"),
        ],
        sorted(
            [
                [
                    tnames.get(k, "—"),
                    v["solved"],
                    hours(v["frt_p90"]),
                    v["sla_rate"],
                    v["quality"],
                    v["survey_mean"],
                ]
                for k, v in report["teams"].items()
            ],
            key=lambda r: str(r[0]),
        ),
    )
    t["principles"] = (
        _("Most frequent coach findings"),
        [_("Principle"), _("Findings")],
        [[p, n] for p, n in report["findings"]],
    )
    t["kinds"] = (
        _("Internal and external customers"),
        [
            _("Customers"),
            _("Created"),
            _("First response p90 (h)"),
            _("SLA attainment (%)"),
            _("Satisfaction (1–5)"),
        ],
        [
            [
                str(kinds.get(k, k)),
                v["created"],
                hours(v["frt_p90"]),
                v["sla_rate"],
                v["survey_mean"],
            ]
            for k, v in report["kinds"].items()
        ],
    )
    levels = s["survey_levels"]
    t["satisfaction"] = (
        _("Satisfaction answers by level"),
        [_("Level"), _("Answers")],
        [[lv, levels[lv]] for lv in range(1, 6)],
    )
    t["reviews"] = (
        _("Reviews"),
        [_("Received"), _("Answered"), _("Answered (%)"), _("Median (h)"), _("p90 (h)")],
        [
            [
                s["reviews"],
                s["reviews_answered"],
                s["review_rate"],
                hours(s["review_p50"]),
                hours(s["review_p90"]),
            ]
        ],
    )
    return t
