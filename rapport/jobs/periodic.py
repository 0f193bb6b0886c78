"""Periodic jobs: a registry the scheduler reads.

An app declares a periodic job in its ``tasks.py`` by stacking ``@periodic`` on a django-tasks
task that takes no arguments and is idempotent (running it twice, or late, is harmless):

    from datetime import timedelta
    from django_tasks import task
    from rapport.jobs.periodic import periodic

    @periodic(every=timedelta(minutes=1))
    @task()
    def scan_sla_breaches_task() -> int: ...

The scheduler (``manage.py scheduler``) imports every installed app's ``tasks`` module, so the
registry is complete, and enqueues each job when it is due — one leader at a time, so a job is
never enqueued twice for the same slot however many schedulers run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: object  # a django_tasks Task
    every: timedelta


REGISTRY: dict[str, PeriodicJob] = {}


def periodic(every: timedelta, *, name: str | None = None) -> Callable:
    """Register a no-argument task to run every ``every``; returns the task unchanged."""
    if every < timedelta(seconds=1):
        raise ValueError("a periodic job runs at most once a second")

    def register(task_obj):
        job_name = name or task_obj.module_path
        REGISTRY[job_name] = PeriodicJob(job_name, task_obj, every)
        return task_obj

    return register


def autodiscover() -> dict[str, PeriodicJob]:
    """Import each installed app's ``tasks`` module so that every periodic job is registered."""
    for config in apps.get_app_configs():
        module = f"{config.name}.tasks"
        if find_spec(module) is not None:
            import_module(module)
    return REGISTRY
