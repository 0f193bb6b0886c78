from django.urls import path

from . import views

urlpatterns = [
    path("", views.side_list, name="side-conversations"),
    path("departments/", views.departments, name="side-departments"),
    path("tickets/<int:pk>/open/", views.ticket_open, name="side-open"),
    path("<int:pk>/", views.detail, name="side-conversation"),
    path("<int:pk>/post/", views.post, name="side-post"),
    path("<int:pk>/close/", views.close, name="side-close"),
    path("messages/<int:pk>/resend/", views.resend, name="side-resend"),
    path("messages/<int:pk>/original/", views.original, name="side-original"),
]
