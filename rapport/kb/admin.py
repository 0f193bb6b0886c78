"""Django admin for the knowledge base: a fallback view of the rows. Changes to text and state
go through /kb/ (rapport.kb.actions keep versions and the search index; the admin does not),
so articles, translations and versions are read-only here."""

from django.contrib import admin

from .models import Article, ArticleTranslation, ArticleVersion, Category, Feedback


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name_en", "name_ru", "name_zh_hans", "position"]
    ordering = ["position", "id"]


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # archive instead: a deleted row would leave its search documents


@admin.register(Article)
class ArticleAdmin(ReadOnly):
    list_display = ["__str__", "status", "visibility", "team", "category", "updated_at"]
    list_filter = ["status", "visibility"]


@admin.register(ArticleTranslation)
class TranslationAdmin(ReadOnly):
    list_display = ["title", "language", "article", "updated_at"]
    list_filter = ["language"]


@admin.register(ArticleVersion)
class VersionAdmin(ReadOnly):
    list_display = ["translation", "number", "author", "created_at"]


@admin.register(Feedback)
class FeedbackAdmin(ReadOnly):
    list_display = ["translation", "helpful", "comment", "created_at"]
    list_filter = ["helpful"]

    def has_delete_permission(self, request, obj=None):
        return True  # spam comments may go
