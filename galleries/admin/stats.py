import csv

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from galleries import charts, dashboard
from galleries.models import Gallery
from galleries.workflow import is_editor, is_owner, is_photographer


class GalleryStatsMixin:
    """A gallery's statistics page and its daily figures as CSV: for editors, and for the gallery's photographers."""

    def _gallery_for_stats(self, request: HttpRequest, object_id: int) -> Gallery:
        gallery = Gallery.objects.filter(pk=object_id).first()
        if gallery is None:
            raise Http404("No such gallery.")
        user = request.user
        if not (is_editor(user) or (is_photographer(user) and is_owner(user, gallery))):
            raise PermissionDenied
        return gallery

    def stats_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        gallery = self._gallery_for_stats(request, object_id)
        days = dashboard.gallery_days(gallery=gallery, today=timezone.localdate())
        period = f"last {dashboard.CHART_DAYS} days"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Statistics: {gallery}",
            "gallery": gallery,
            "totals": dashboard.gallery_totals(gallery=gallery),
            "charts": [
                charts.columns(
                    key="views", title=f"Views per day, {period}", unit="views", rows=dashboard.as_series(days, "views")
                ),
                charts.columns(
                    key="votes", title=f"Votes per day, {period}", unit="votes", rows=dashboard.as_series(days, "votes")
                ),
                charts.columns(
                    key="comments",
                    title=f"Published comments per day, {period}",
                    unit="comments",
                    rows=dashboard.as_series(days, "comments"),
                ),
            ],
            "photo_votes": charts.bars(
                key="photo-votes",
                title="Votes per photo, since publication",
                unit="votes",
                label_heading="Photo",
                rows=dashboard.photo_votes(gallery=gallery),
            ),
        }
        return TemplateResponse(request, "admin/galleries/gallery_stats.html", context)

    def stats_csv_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        gallery = self._gallery_for_stats(request, object_id)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{gallery.slug}-daily-figures.csv"'
        writer = csv.writer(response)
        writer.writerow(["day", "views", "votes", "comments"])
        for day, views, votes, comments in dashboard.gallery_daily_figures(gallery=gallery):
            writer.writerow([day.isoformat(), views, votes, comments])
        return response
