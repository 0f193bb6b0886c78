from django.urls import path

from . import views

urlpatterns = [
    path("demo/", views.demo, name="webchat-demo"),
    path("widgets/", views.widgets, name="webchat-widgets"),
    path("widgets/new/", views.widget_edit, name="webchat-widget-new"),
    path("widgets/<int:pk>/", views.widget_edit, name="webchat-widget"),
    path("f/<str:signed>/", views.chat_file, name="webchat-file"),
    path("<str:key>/messages/", views.send_message, name="webchat-send"),
    path("<str:key>/history/", views.history, name="webchat-history"),
    path("<str:key>/upload/", views.upload, name="webchat-upload"),
]
