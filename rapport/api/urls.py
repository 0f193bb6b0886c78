"""/api/v1/ (docs/api.md)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
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

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
]
