from django.urls import path

from . import views

urlpatterns = [
    path("", views.call_list, name="phone-calls"),
    path("log/", views.call_log, name="phone-log"),
    path("lookup/", views.lookup, name="phone-lookup"),
    path("desk/", views.desk, name="phone-desk"),
    path("cti/<int:integration_id>/", views.cti_webhook, name="phone-cti"),
]
