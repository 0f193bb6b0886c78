from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import throttle
from .models import LoginThrottle, TOTPDevice


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    list_display = ["username", "ip", "failures", "last_failure_at", "locked_until"]
    search_fields = ["username", "ip"]
    readonly_fields = ["username", "ip", "failures", "last_failure_at", "locked_until"]
    actions = ["unlock"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Unlock (forget the failed log-ins)"))
    def unlock(self, request, queryset):
        count = throttle.do_unlock(queryset)
        self.message_user(
            request,
            ngettext("%(n)d lock lifted.", "%(n)d locks lifted.", count) % {"n": count},
            messages.SUCCESS,
        )


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(admin.ModelAdmin):
    """Deleting a device turns two-factor off for someone who lost their phone and codes."""

    list_display = ["user", "created_at", "confirmed_at"]
    search_fields = ["user__username"]
    readonly_fields = ["user", "created_at", "confirmed_at"]

    def has_add_permission(self, request):
        return False
