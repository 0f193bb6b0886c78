from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="privacy"),
    path("audit/", views.audit_log, name="privacy-audit"),
    path("audit.csv", views.audit_csv, name="privacy-audit-csv"),
    path("customers/<int:pk>/", views.customer_page, name="privacy-customer"),
    path("customers/<int:pk>/export/", views.customer_export_page, name="privacy-export"),
    path("customers/<int:pk>/export.zip", views.customer_export_zip, name="privacy-export-zip"),
    path("customers/<int:pk>/erase/", views.erasure_request, name="privacy-erase"),
    path("erasures/<int:pk>/", views.erasure_confirm, name="privacy-erasure"),
]
