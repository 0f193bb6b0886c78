from django.urls import path

from . import help_views as views

urlpatterns = [
    path("", views.help_root, name="help"),
    path("files/<int:pk>/<str:filename>", views.help_file, name="help-file"),
    path("<str:language>/", views.help_home, name="help-home"),
    path("<str:language>/search/", views.help_search, name="help-search"),
    path("<str:language>/c/<int:pk>/", views.help_category, name="help-category"),
    path("<str:language>/a/<int:pk>/", views.help_article, name="help-article"),
    path("<str:language>/a/<int:pk>/feedback/", views.help_feedback, name="help-feedback"),
]
