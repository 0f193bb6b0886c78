from django.urls import path

from . import views

urlpatterns = [
    path("", views.inbox, name="reviews"),
    path("<int:pk>/", views.review_page, name="review"),
    path("<int:pk>/coach/", views.review_coach, name="review-coach"),
    path("add/", views.review_add, name="review-add"),
    path("import/", views.review_import, name="review-import"),
    path("report/", views.review_report, name="review-report"),
    path("settings/", views.review_settings, name="review-settings"),
    path("api/<int:source_id>/", views.api_reviews, name="review-api"),
]
