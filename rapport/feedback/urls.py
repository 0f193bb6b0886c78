from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="feedback"),
    path("churn/", views.churn_list, name="feedback-churn"),
    path("settings/", views.team_settings_view, name="feedback-settings"),
    path("s/<str:token>/", views.survey_link, name="feedback-link"),
    path("s/<str:token>/comment/", views.survey_comment, name="feedback-comment"),
    path("ticket/<int:pk>/confirm/", views.confirm_resolution, name="feedback-confirm"),
]
