from functools import partial

from django.contrib import admin
from django.db import transaction

from galleries.models import Gallery, Section, Tag
from galleries.pagecache import purge_gallery_pages


class TaxonomyAdmin(admin.ModelAdmin):
    """Sections and tags: their names show on the pages of the galleries filed under them and in the menu,
    so a rename or a deletion refreshes those once it commits."""

    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
    # The galleries filed under an object, by the name of their relation to it.
    galleries_by = ""

    def _purge_after_commit(self, objects) -> None:
        # Read before a deletion unfiles the galleries; purged once the change commits.
        filed = Gallery.objects.filter(**{f"{self.galleries_by}__in": objects}).order_by().distinct()
        transaction.on_commit(partial(purge_gallery_pages, list(filed.values_list("pk", flat=True))))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            self._purge_after_commit([obj])

    def delete_model(self, request, obj):
        self._purge_after_commit([obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        self._purge_after_commit(list(queryset))
        super().delete_queryset(request, queryset)


@admin.register(Section)
class SectionAdmin(TaxonomyAdmin):
    galleries_by = "section"


@admin.register(Tag)
class TagAdmin(TaxonomyAdmin):
    galleries_by = "tags"
