from django.urls import path

from . import views

urlpatterns = [
    path("", views.approval_list, name="approvals"),
    path("limits/", views.limits, name="approval-limits"),
    path("tickets/<int:pk>/grant/", views.ticket_grant, name="ticket-grant"),
    path("<int:pk>/decide/", views.decide, name="approval-decide"),
]
