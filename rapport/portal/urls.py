from django.urls import path

from . import views

urlpatterns = [
    path("contact/", views.contact_root, name="portal-contact-root"),
    path("contact/<str:language>/", views.contact, name="portal-contact"),
    path(
        "contact/<str:language>/sent/<str:token>/",
        views.contact_sent,
        name="portal-contact-sent",
    ),
    path("portal/", views.home, name="portal-home"),
    path("portal/login/", views.login_request, name="portal-login"),
    path("portal/login/<str:token>/", views.login_link, name="portal-login-link"),
    path("portal/logout/", views.logout, name="portal-logout"),
    path("portal/tickets/<int:pk>/", views.ticket, name="portal-ticket"),
    path(
        "portal/tickets/<int:pk>/files/<int:attachment_id>/",
        views.attachment,
        name="portal-attachment",
    ),
]
