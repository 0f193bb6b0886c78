"""Shared set-up for the follow-up tests: the personas plus templates, a rule and settings."""

from __future__ import annotations

from datetime import time

from rapport.followups.models import (
    FollowUpRule,
    Kind,
    MessageTemplate,
    Outreach,
    Purpose,
    Trigger,
)
from rapport.test import BaseTestCase

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


class FollowupsTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.check_in = MessageTemplate.objects.create(
            name="How did it go?",
            purpose=Purpose.CHECK_IN,
            subject_en="How is it going, {first_name}?",
            body_en="Hello {name}, {agent} here. Is everything fine after ticket {ticket}?",
            subject_ru="Как дела, {first_name}?",
            body_ru="Здравствуйте, {name}! Это {agent}. Всё ли в порядке после обращения {ticket}?",
            body_zh_hans="{name}您好!我是{agent}。{ticket}号问题解决后一切都好吗?",
        )
        cls.birthday = MessageTemplate.objects.create(
            name="Birthday",
            purpose=Purpose.GREETING,
            subject_en="Happy birthday, {first_name}!",
            body_en="Happy birthday, {name}! Best wishes from {team}.",
            body_ru="С днём рождения, {name}! Команда {team}.",
            body_zh_hans="{name},生日快乐!{team}全体同事祝福您。",
        )
        cls.outreach = Outreach.objects.create(
            team=cls.support,
            quiet_start=time(21, 0),
            quiet_end=time(9, 0),
            time_zone="Europe/Moscow",
            greet_at=time(10, 0),
            birthday_template=cls.birthday,
        )
        cls.after_solved = FollowUpRule.objects.create(
            team=cls.support,
            name="Check in after a week",
            trigger=Trigger.TICKET_SOLVED,
            delay_days=7,
            kind=Kind.MESSAGE,
            template=cls.check_in,
        )
