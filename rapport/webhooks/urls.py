from django.urls import path

from . import views

urlpatterns = [
    path("", views.endpoint_list, name="webhooks"),
    path("<int:pk>/", views.endpoint_detail, name="webhook"),
    path("<int:pk>/toggle/", views.endpoint_toggle, name="webhook-toggle"),
    path("<int:pk>/ping/", views.endpoint_ping, name="webhook-ping"),
    path("deliveries/<int:pk>/redeliver/", views.redeliver, name="webhook-redeliver"),
]
