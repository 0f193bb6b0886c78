from django.urls import path

from . import views

urlpatterns = [
    path("", views.agents_home, name="agents"),
    path("<int:pk>/limits/", views.agent_limits, name="agent-limits"),
    path("me/availability/", views.my_availability, name="agent-availability"),
    path("me/break/", views.my_break, name="agent-break"),
    path("teams/<int:pk>/assignment/", views.team_mode, name="team-assignment"),
    path("escalate/<int:ticket_id>/", views.escalate, name="ticket-escalate"),
]
