from django.urls import path

from . import views

urlpatterns = [
    path("", views.settings_page, name="security"),
    path("two-factor/start/", views.enrol_start, name="security-2fa-start"),
    path("two-factor/confirm/", views.enrol_confirm, name="security-2fa-confirm"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="security-2fa-codes"),
    path("two-factor/disable/", views.disable, name="security-2fa-disable"),
    path("password/", views.PasswordChange.as_view(), name="security-password"),
]
