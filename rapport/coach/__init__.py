"""The service coach: offline, explainable analysis of customer messages and agent replies in
Russian, Chinese and English (issue 4; principles CQ1–CQ22, ES1, ES3–ES5, RS4, MG2).

Plain Python and data files — nothing here imports Django:

    from rapport.coach import analyze_message, check_reply, RuleBook
    analyze_message("Позовите руководителя, срочно!").signals
    # ['supervisor_request', 'urgent']
    check_reply(customer_text, reply_text, RuleBook.from_dict(org_rules), ui_language="ru")

The command-line contract is in :mod:`rapport.coach.cli` (``python -m rapport.coach analyze``).
Language packs are TOML files under ``packs/<lang>/``; docs/coach.md explains how to extend them.
"""

from .customer import MessageAnalysis, analyze_message
from .language import detect as detect_language
from .promises import find_promises as find_promises  # RS2: promises in a reply
from .reply import ReplyReport, check_reply
from .rulebook import CHECKS, RuleBook

__all__ = [
    "CHECKS",
    "MessageAnalysis",
    "ReplyReport",
    "RuleBook",
    "analyze_message",
    "check_reply",
    "detect_language",
]
