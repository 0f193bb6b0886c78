from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from rapport.accounts import views as account_views
from rapport.security import views as security_views

urlpatterns = [
    # Throttled, then a second factor for staff who turned it on (docs/security.md); the
    # admin's own log-in form would skip both, so it sends people here.
    path("login/", security_views.LoginView.as_view(), name="login"),
    path("login/code/", security_views.login_code, name="login-code"),
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("me/", account_views.preferences, name="preferences"),
    path("partners/", account_views.partner_report, name="partner-report"),  # MG5
    path("me/api-tokens/", include("rapport.api.web_urls")),
    path("me/security/", include("rapport.security.urls")),
    path("api/v1/", include("rapport.api.urls")),
    path("webhooks/", include("rapport.webhooks.urls")),
    path("admin/", admin.site.urls),
    path("customers/", include("rapport.customers.urls")),
    path("mail/", include("rapport.mail.urls")),
    path("notifications/", include("rapport.notify.urls")),
    path("sla/", include("rapport.sla.urls")),
    path("rules/", include("rapport.rules.urls")),
    path("promises/", include("rapport.promises.urls")),
    path("agents/", include("rapport.agents.urls")),
    path("chat/", include("rapport.webchat.urls")),
    path("phone/", include("rapport.phone.urls")),
    path("telegram/", include("rapport.telegram.urls")),
    path("search/", include("rapport.search.urls")),
    path("suggest/", include("rapport.suggest.urls")),
    path("followups/", include("rapport.followups.urls")),
    path("kb/", include("rapport.kb.urls")),
    path("reviews/", include("rapport.reviews.urls")),
    path("feedback/", include("rapport.feedback.urls")),
    path("reports/", include("rapport.reports.urls")),
    path("macros/", include("rapport.macros.urls")),
    path("approvals/", include("rapport.approvals.urls")),
    path("ideas/", include("rapport.ideas.urls")),
    path("training/", include("rapport.training.urls")),
    path("side/", include("rapport.sideconv.urls")),
    path("privacy/", include("rapport.privacy.urls")),
    path("help/", include("rapport.kb.help_urls")),
    path("", include("rapport.portal.urls")),  # /contact/<lang>/ and /portal/
    path("", include("rapport.tickets.urls")),
]
