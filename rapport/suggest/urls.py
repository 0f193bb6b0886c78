from django.urls import path

from . import views

urlpatterns = [
    path("tickets/<int:pk>/", views.ticket_suggestions, name="suggest-ticket"),
    path("faq/", views.faq, name="faq"),
    path("faq/<int:pk>/draft/", views.faq_draft, name="faq-draft"),
    path("faq/<int:pk>/dismiss/", views.faq_dismiss, name="faq-dismiss"),
    path("faq/<int:pk>/restore/", views.faq_restore, name="faq-restore"),
]
