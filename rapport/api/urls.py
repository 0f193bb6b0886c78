"""/api/v1/ (docs/api.md)."""

from django.http import JsonResponse
from django.urls import include, path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("tickets", views.TicketViewSet, basename="api-ticket")
router.register("inbound", views.InboundViewSet, basename="api-inbound")
router.register("messages", views.MessageViewSet, basename="api-message")
router.register("notes", views.NoteViewSet, basename="api-note")
router.register("events", views.EventViewSet, basename="api-event")
router.register("customers", views.CustomerViewSet, basename="api-customer")
router.register("organisations", views.OrganisationViewSet, basename="api-organisation")
router.register("teams", views.TeamViewSet, basename="api-team")
router.register("agents", views.AgentViewSet, basename="api-agent")
router.register("articles", views.ArticleViewSet, basename="api-article")
router.register("reviews", views.ReviewViewSet, basename="api-review")
router.register("purchases", views.PurchaseViewSet, basename="api-purchase")


@csrf_exempt  # a POST with a session cookie gets the JSON 404, not the CSRF page
def not_found(request, *args, **kwargs):
    return JsonResponse({"detail": _("Not found.")}, status=404)


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
    # Anything else under /api/v1/ is a JSON 404, as the document says, never the site's HTML
    # page (the fuzzer sent ids like "2.5e-99", which the router's patterns do not match).
    re_path(r"^", not_found),
]
