from django.urls import path

from . import views

urlpatterns = [
    path("", views.rule_list, name="rules"),
    path("new/", views.rule_edit, name="rule-new"),
    path("<int:pk>/", views.rule_edit, name="rule-edit"),
    path("<int:pk>/move/", views.rule_move, name="rule-move"),
    path("<int:pk>/toggle/", views.rule_toggle, name="rule-toggle"),
    path("<int:pk>/delete/", views.rule_delete, name="rule-delete"),
]
