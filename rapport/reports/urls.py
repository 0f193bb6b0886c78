from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="reports"),
    path("problems/", views.problems_page, name="reports-problems"),
    path("baseline/", views.baseline, name="reports-baseline"),
    path("goals/", views.goals_page, name="reports-goals"),
    path("goals/<int:pk>/delete/", views.goal_delete, name="reports-goal-delete"),
    path("export/<slug:page>/<slug:name>.<slug:fmt>", views.export_table, name="reports-export"),
]
