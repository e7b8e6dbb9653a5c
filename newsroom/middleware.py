"""Requests refused before any view sees them."""

from django.core.exceptions import BadRequest


def reject_null_characters(get_response):
    """A NUL in the path or the query string answers 400.

    PostgreSQL refuses NUL in text. Django's forms reject it, but an address reaches the database by other
    roads too (the admin's list filters, path parameters), and no page of Loupe has a use for it.
    """

    def middleware(request):
        if "\x00" in request.path_info or "%00" in request.META.get("QUERY_STRING", ""):
            raise BadRequest("NUL character in the address.")
        return get_response(request)

    return middleware
