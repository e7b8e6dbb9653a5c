"""Requests refused or repaired before any view sees them."""

from django.shortcuts import render


def reject_null_characters(get_response):
    """A NUL in the path or the query string answers 400; a cookie holding one is dropped.

    PostgreSQL refuses NUL in text. Django's forms reject it, but an address reaches the database by other
    roads too (the admin's list filters, path parameters, the session cookie), and nothing in Loupe has a use
    for it.
    """

    def middleware(request):
        if "\x00" in request.path_info or "%00" in request.META.get("QUERY_STRING", ""):
            # Answered here rather than raised: no traceback in the log for every probe a bot sends.
            return render(request, "400.html", {"unreadable_address": True}, status=400)
        if any("\x00" in name or "\x00" in value for name, value in request.COOKIES.items()):
            # A damaged cookie is ignored rather than held against the reader, who may not know how to clear it.
            request.COOKIES = {k: v for k, v in request.COOKIES.items() if "\x00" not in k and "\x00" not in v}
        return get_response(request)

    return middleware
