from django.urls import path

from . import views

urlpatterns = [
    path("<int:bot_id>/webhook/", views.webhook, name="telegram-webhook"),
]
