from django.urls import path

from . import views

urlpatterns = [
    path("", views.notifications, name="notifications"),
    path("read/", views.mark_read, name="notifications-read"),
]
