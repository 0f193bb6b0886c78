"""Checks of a public reply to a review (FB5: no blame, no silence, no lies).

The coach's reply analysis runs first (rapport.tickets.coaching.review: the same findings as
the ticket reply box, against the review as the customer's message); its denial (CQ7),
deflection (CQ8), rudeness (CQ18), insult-response (ES4), empathy (CQ3), next-step (RS4) and
absolute-promise (CQ15) findings are reused. What
only a *public* reply needs is added here: blaming the customer in front of everyone, an
answer too short to count as one, claims nobody can check, personal details published, and
no private channel offered on a negative review. Plain functions: no database.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

# Findings of the coach that belong to each of FB5's three rules.
BLAME_CHECKS = frozenset({"denial", "rudeness", "insult_response", "review_blame"})
SILENCE_CHECKS = frozenset({"review_silence", "deflection", "empathy", "next_steps"})
LIES_CHECKS = frozenset({"absolute_promise", "review_unverifiable"})

_BLAME = re.compile(
    r"\b(?:you should have|you (?:did not|didn't|failed to) (?:read|follow|check)|"
    r"it was your (?:fault|mistake)|your own fault|you are to blame|"
    r"вы сами|сами виноваты|ваша (?:вина|ошибка)|по вашей вине|"
    r"надо было (?:читать|смотреть|проверять)|вы не (?:прочитали|проверили|указали))"
    r"|是您自己|您自己的(?:问题|原因|责任)|是你自己|你自己的问题|怪您|您没有(?:看|仔细)",
    re.IGNORECASE,
)
_UNVERIFIABLE = re.compile(
    r"\b(?:all (?:of )?our (?:customers|clients) are (?:happy|satisfied)|never (?:happens|had)|"
    r"no one (?:else )?has ever|the best (?:service|shop|company) in|"
    r"все (?:наши )?(?:клиенты |покупатели )?довольны|"
    r"такого(?: у нас)? (?:никогда )?не (?:бывает|было|может быть)|"
    r"ни разу не было|лучший (?:сервис|магазин) в)"
    r"|所有(?:的)?(?:顾客|客户)都(?:很)?满意|从来没有(?:过)?(?:这种|这样)|不可能发生",
    re.IGNORECASE,
)
_PRIVATE = re.compile(
    r"[\w.+-]+@[\w-]+\.[\w.-]+"  # an e-mail address
    r"|(?<!\d)\+?\d[\d\s()-]{8,}\d"  # a phone number
    r"|(?:order|заказ[а-я]*|订单)\s*(?:no\.?|№|#|号)?\s*\d{4,}",
    re.IGNORECASE,
)
_PRIVATE_CHANNEL = re.compile(
    r"\b(?:write to us|contact us|e-?mail us|call us|message us|send us|"
    r"напишите (?:нам|в)|свяжитесь с нами|позвоните (?:нам)?|пришлите|"
    r"в личн\w+ сообщени)|联系我们|私信|给我们发|致电",
    re.IGNORECASE,
)


def _words(text: str) -> int:
    han = len(re.findall(r"[\u4e00-\u9fff]", text))
    return len(re.findall(r"[^\W\d_]+", re.sub(r"[\u4e00-\u9fff]", " ", text))) + han // 2


def _finding(check: str, principle: str, severity: str, message: str, span=None, sugg="") -> dict:
    return {
        "principle": principle,
        "check": check,
        "severity": severity,
        "message": message,
        "span": list(span) if span else None,
        "suggestion": sugg,
    }


def review_findings(reply: str, *, negative: bool) -> list[dict]:
    """What a public reply to a review must not do (FB5), beyond the coach's checks."""
    found = []
    if _words(reply) < 8:
        found.append(
            _finding(
                "review_silence",
                "FB5",
                "high" if negative else "medium",
                _(
                    "Too short to count as an answer: say what happened and what you are doing "
                    "about it, in public."
                ),
            )
        )
    for m in _BLAME.finditer(reply):
        found.append(
            _finding(
                "review_blame",
                "FB5",
                "high",
                _("This blames the customer in public: answer the problem, not the person."),
                m.span(),
            )
        )
    for m in _UNVERIFIABLE.finditer(reply):
        found.append(
            _finding(
                "review_unverifiable",
                "FB5",
                "medium",
                _("Nobody can check this claim: say what you know, honestly."),
                m.span(),
            )
        )
    for m in _PRIVATE.finditer(reply):
        found.append(
            _finding(
                "review_private",
                "FB5",
                "high",
                _("Personal details in a public reply: move them to a private channel."),
                m.span(),
            )
        )
    if negative and not _PRIVATE_CHANNEL.search(reply):
        found.append(
            _finding(
                "review_private_channel",
                "FB5",
                "low",
                _("Offer a private channel to sort it out (without publishing any contact data)."),
            )
        )
    return found


def fb5_summary(findings: list[dict]) -> list[tuple[str, bool]]:
    """FB5's three rules, each passed or not, from all findings (the coach's and ours)."""
    checks = {f["check"] for f in findings if f["severity"] in ("high", "medium")}
    return [
        (_("No blame"), not (checks & BLAME_CHECKS)),
        (_("No silence"), not (checks & SILENCE_CHECKS)),
        (_("No lies"), not (checks & LIES_CHECKS)),
    ]
