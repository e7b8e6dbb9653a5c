"""Requests refused or repaired before any view sees them."""

import logging

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.db import DatabaseError
from django.http import Http404, JsonResponse
from django.shortcuts import render

logger = logging.getLogger("django.request")


def reject_null_characters(get_response):
    """A NUL in the path or the query string answers 400; a cookie holding one is dropped.

    PostgreSQL refuses NUL in text. Django's forms reject it, but an address reaches the database by other
    roads too (the admin's list filters, path parameters, the session cookie), and nothing in Loupe has a use
    for it.
    """

    def middleware(request):
        if "\x00" in request.path_info or "%00" in request.META.get("QUERY_STRING", ""):
            # Answered here rather than raised: no traceback in the log for every probe a bot sends.
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": "The address holds a NUL character.", "errors": []}, status=400)
            return render(request, "400.html", {"unreadable_address": True}, status=400)
        if any("\x00" in name or "\x00" in value for name, value in request.COOKIES.items()):
            # A damaged cookie is ignored rather than held against the reader, who may not know how to clear it.
            request.COOKIES = {k: v for k, v in request.COOKIES.items() if "\x00" not in k and "\x00" not in v}
        return get_response(request)

    return middleware


class JsonErrorsMiddleware:
    """A request that asked for JSON gets its server error as JSON too, with a message a person can act on.

    The upload page's script reads `error` from the reply; an HTML error page would reach the editor as
    "unexpected token <". Client errors (404, 403, 400) keep Django's own handling.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        wants_json = (
            "application/json" in request.headers.get("Accept", "") or request.content_type == "application/json"
        )
        if not wants_json or isinstance(exception, Http404 | PermissionDenied | SuspiciousOperation | BadRequest):
            return None
        logger.error("Server error answering %s %s", request.method, request.path, exc_info=exception)
        if isinstance(exception, DatabaseError):
            message, status = "The database is unavailable at the moment; nothing was saved. Try again shortly.", 503
        elif isinstance(exception, OSError) or type(exception).__module__.startswith(("botocore", "boto3")):
            message, status = "File storage is unavailable at the moment; nothing was saved. Try again shortly.", 503
        else:
            message, status = "Something went wrong on the server; nothing was saved. Try again, or tell the desk.", 500
        response = JsonResponse({"ok": False, "error": message}, status=status)
        if status == 503:
            response["Retry-After"] = "10"
        return response
