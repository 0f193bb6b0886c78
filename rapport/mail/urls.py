from django.urls import path

from . import views

urlpatterns = [
    path("inbound/<int:mailbox_id>/", views.inbound_mime, name="mail-inbound"),
]
