"""Periodic jobs in the admin: last run, next run, the last task's status, who leads; "run now"."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

from .models import JobState, SchedulerLease
from .periodic import autodiscover
from .scheduler import LEASE_NAME


@admin.register(JobState)
class JobStateAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "every",
        "last_run_at",
        "next_run_at",
        "last_status",
        "runs",
        "last_enqueued_by",
        "registered",
        "short_error",
    )
    readonly_fields = (
        "name",
        "every",
        "next_run_at",
        "last_run_at",
        "last_task_id",
        "last_enqueued_by",
        "runs",
        "last_error",
    )
    actions = ["run_now"]

    def changelist_view(self, request, extra_context=None):
        lease = SchedulerLease.objects.filter(name=LEASE_NAME).first()
        extra_context = {
            **(extra_context or {}),
            "lease": lease,
            "lease_live": bool(lease and lease.is_live),
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("last task"))
    def last_status(self, obj):
        if not obj.last_task_id:
            return "—"
        try:
            return task_backends[DEFAULT_TASK_BACKEND_ALIAS].get_result(obj.last_task_id).status
        except Exception:  # noqa: BLE001 — pruned, another backend, or the queue is down
            return "?"

    @admin.display(description=_("registered"), boolean=True)
    def registered(self, obj):
        return obj.name in autodiscover()

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return obj.last_error[:120]

    @admin.action(description=_("Run at the next tick"))
    def run_now(self, request, queryset):
        # Moving the slot forward to now: the scheduler claims it as usual (never twice).
        count = queryset.update(next_run_at=timezone.now())
        self.message_user(
            request,
            _("%(n)d job(s) will run at the scheduler's next tick.") % {"n": count},
            messages.SUCCESS,
        )

    def has_add_permission(self, request):
        return False


@admin.register(SchedulerLease)
class SchedulerLeaseAdmin(admin.ModelAdmin):
    list_display = ("name", "holder", "acquired_at", "expires_at", "live")
    readonly_fields = ("name", "holder", "acquired_at", "expires_at")

    @admin.display(description=_("leading now"), boolean=True)
    def live(self, obj):
        return obj.is_live

    def has_add_permission(self, request):
        return False
