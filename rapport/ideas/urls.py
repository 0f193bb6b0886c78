from django.urls import path

from . import views

urlpatterns = [
    path("", views.idea_list, name="ideas"),
    path("tickets/<int:pk>/", views.ticket_propose, name="ticket-idea"),
    path("<int:pk>/", views.idea_detail, name="idea"),
    path("<int:pk>/vote/", views.idea_vote, name="idea-vote"),
]
