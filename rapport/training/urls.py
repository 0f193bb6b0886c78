from django.urls import path

from . import views

urlpatterns = [
    path("", views.scenario_list, name="training"),
    path("banner/", views.banner, name="training-banner"),
    path("progress/", views.progress, name="training-progress"),
    path("overview/", views.overview, name="training-overview"),
    path("scenarios/<int:pk>/start/", views.session_start, name="training-start"),
    path("scenarios/<int:pk>/edit/", views.scenario_edit, name="training-scenario-edit"),
    path("scenarios/<int:pk>/duplicate/", views.scenario_duplicate, name="training-duplicate"),
    path("sessions/<int:pk>/", views.session_detail, name="training-session"),
    path("sessions/<int:pk>/coach/", views.session_coach, name="training-coach"),
]
