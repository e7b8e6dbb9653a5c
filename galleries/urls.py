from django.contrib.sitemaps import views as sitemap_views
from django.urls import path
from django.views.generic import TemplateView

from galleries import feeds, personrequests, views
from galleries.headers import public_page
from galleries.previews import files as preview_files
from galleries.previews import views as preview_pages
from galleries.sitemaps import SITEMAPS, NewsSitemap

app_name = "galleries"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("galleries/<slug:slug>/", views.gallery_detail, name="detail"),
    path("galleries/<slug:slug>/photos/<int:pk>/", views.photo_detail, name="photo"),
    path("galleries/<slug:slug>/photos/<int:pk>/vote/", views.vote, name="vote"),
    path(
        "galleries/<slug:slug>/photos/<int:pk>/are-you-in-this-photo/",
        personrequests.ask_about_photo,
        name="person-request",
    ),
    path("seen/<int:pk>/", views.seen, name="seen"),
    path("photographers/<slug:slug>/", views.photographer_detail, name="photographer"),
    path("photographers/<slug:slug>/rss/", public_page(feeds.PhotographerFeed()), name="photographer-rss"),
    path("photographers/<slug:slug>/atom/", public_page(feeds.PhotographerAtomFeed()), name="photographer-atom"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag"),
    path("tags/<slug:slug>/rss/", public_page(feeds.TagFeed()), name="tag-rss"),
    path("tags/<slug:slug>/atom/", public_page(feeds.TagAtomFeed()), name="tag-atom"),
    path("sections/<slug:slug>/", views.section_detail, name="section"),
    path("rss/", public_page(feeds.LatestGalleriesFeed()), name="rss"),
    path("atom/", public_page(feeds.LatestGalleriesAtomFeed()), name="atom"),
    path(
        "sitemap.xml",
        public_page(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS, "template_name": "galleries/sitemap.xml"},
        name="sitemap",
    ),
    path(
        "sitemap-news.xml",
        public_page(sitemap_views.sitemap),
        {"sitemaps": {"news": NewsSitemap}, "template_name": "galleries/sitemap_news.xml"},
        name="sitemap-news",
    ),
    path(
        "site.webmanifest",
        public_page(
            TemplateView.as_view(template_name="galleries/site.webmanifest", content_type="application/manifest+json")
        ),
        name="manifest",
    ),
    path("staff-media/<path:name>", preview_files.rendition_preview, name="rendition-preview"),
    path("preview/<int:pk>/", preview_pages.gallery_preview, name="preview"),
    path("preview/<int:pk>/photos/<int:item_pk>/", preview_pages.item_preview, name="preview-item"),
    path("preview/<int:pk>/links/", preview_pages.preview_links, name="preview-links"),
    path("preview/<int:pk>/links/<int:link_pk>/revoke/", preview_pages.preview_link_revoke, name="preview-link-revoke"),
    path("preview/link/<str:token>/", preview_pages.link_gallery, name="preview-link"),
    path("preview/link/<str:token>/photos/<int:item_pk>/", preview_pages.link_item, name="preview-link-item"),
    path("preview/link/<str:token>/media/<path:name>", preview_files.link_media, name="preview-link-media"),
]
