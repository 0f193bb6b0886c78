from django.urls import path

from . import views

urlpatterns = [
    path("", views.queue, name="followups"),
    path("<int:pk>/edit/", views.edit, name="followup-edit"),
    path("<int:pk>/cancel/", views.cancel, name="followup-cancel"),
    path("customer/<int:pk>/consent/", views.consent, name="followups-consent"),
    path("customer/<int:pk>/time-zone/", views.time_zone, name="followups-time-zone"),
    path("customer/<int:pk>/thanks/", views.thank_you, name="followups-thanks"),
    path("optout/<str:token>/", views.optout, name="followups-optout"),
    path("purchases/import/", views.purchase_import, name="purchase-import"),
    path("purchases/import/<int:pk>/", views.purchase_import_report, name="purchase-import-report"),
    path("api/purchases/", views.purchase_api, name="purchase-api"),
]
