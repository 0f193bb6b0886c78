from django.urls import path

from . import views

urlpatterns = [
    path("", views.macro_list, name="macros"),
    path("new/", views.macro_edit, name="macro-new"),
    path("<int:pk>/", views.macro_edit, name="macro-edit"),
    path("tickets/<int:ticket_pk>/", views.macro_picker, name="macro-picker"),
    path("<int:pk>/use/<int:ticket_pk>/", views.macro_use, name="macro-use"),
]
