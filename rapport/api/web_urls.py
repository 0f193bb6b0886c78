from django.urls import path

from . import web

urlpatterns = [
    path("", web.tokens, name="api-tokens"),
    path("<int:pk>/revoke/", web.revoke, name="api-token-revoke"),
]
