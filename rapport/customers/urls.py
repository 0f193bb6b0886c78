from django.urls import path

from . import views

urlpatterns = [
    path("", views.customer_list, name="customers"),
    path("<int:pk>/", views.customer_detail, name="customer"),
    path("<int:pk>/edit/", views.customer_edit, name="customer-edit"),
    path("<int:pk>/flag/", views.customer_flag, name="customer-flag"),
    path("<int:pk>/identity/", views.customer_add_identity, name="customer-identity"),
    path("<int:pk>/merge/", views.customer_merge, name="customer-merge"),
    path("flags/<int:pk>/clear/", views.flag_clear, name="flag-clear"),
]
