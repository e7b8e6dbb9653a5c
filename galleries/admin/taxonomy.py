from django.contrib import admin

from galleries.models import Section, Tag

admin.site.register(Section, prepopulated_fields={"slug": ["name"]}, search_fields=["name"])
admin.site.register(Tag, prepopulated_fields={"slug": ["name"]}, search_fields=["name"])
