from django.urls import path

from . import views

urlpatterns = [
    path("", views.article_list, name="kb"),
    path("new/", views.article_new, name="kb_new"),
    path("categories/", views.categories, name="kb_categories"),
    path("<int:pk>/", views.article_detail, name="kb_article"),
    path("<int:pk>/settings/", views.article_settings, name="kb_settings"),
    path("<int:pk>/status/", views.article_transition, name="kb_transition"),
    path("<int:pk>/attachments/", views.attachment_add, name="kb_attach"),
    path("<int:pk>/<str:language>/edit/", views.translation_edit, name="kb_edit"),
    path("<int:pk>/<str:language>/versions/", views.versions, name="kb_versions"),
    path("<int:pk>/<str:language>/delete/", views.translation_delete, name="kb_delete_translation"),
    path("versions/<int:pk>/restore/", views.version_restore, name="kb_restore"),
    path("versions/<int:pk>/resolve/", views.proposal_resolve, name="kb_resolve"),
    path("attachments/<int:pk>/remove/", views.attachment_remove, name="kb_detach"),
    path("files/<int:pk>/<str:filename>", views.attachment_file, name="kb-file"),
]
