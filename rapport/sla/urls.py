from django.urls import path

from . import views

urlpatterns = [
    path("", views.overview, name="sla"),
    path("calendars/new/", views.calendar_edit, name="sla-calendar-new"),
    path("calendars/<int:pk>/", views.calendar_edit, name="sla-calendar"),
    path("policies/new/", views.policy_edit, name="sla-policy-new"),
    path("policies/<int:pk>/", views.policy_edit, name="sla-policy"),
    path("policies/<int:pk>/delete/", views.policy_delete, name="sla-policy-delete"),
]
