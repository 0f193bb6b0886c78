from django.urls import path

from . import views

urlpatterns = [
    path("", views.promise_list, name="promises"),
    path("ticket/<int:ticket_id>/add/", views.promise_add, name="promise-add"),
    path("ticket/<int:ticket_id>/dismiss/", views.offer_dismiss, name="promise-dismiss"),
    path("<int:pk>/close/", views.promise_close, name="promise-close"),
]
