"""Cross-origin reads of the API: any site's scripts may GET it, and nothing else."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

PREFIX = "/api/"
# What a browser's preflight may ask for: reads, with a partner key and a validator.
ALLOW = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, If-None-Match, If-Modified-Since",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Retry-After",
    "Access-Control-Max-Age": "86400",
}


def cross_origin_reads(get_response: Callable[[HttpRequest], HttpResponse]):
    """CORS headers on /api/ only, a preflight answered here, HEAD answered as a GET without its body, and
    any other method refused in JSON, as the API answers.

    `*` and no credentials: the API serves only what is public, and a partner's key travels in a header the
    partner's own code sets, never in a cookie.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(PREFIX):
            return get_response(request)
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
        elif request.method not in {"GET", "HEAD"}:
            response = JsonResponse({"detail": "The API only reads: use GET.", "errors": []}, status=405)
            response["Allow"] = ALLOW["Access-Control-Allow-Methods"]
        elif request.method == "HEAD":
            request.method = "GET"
            response = get_response(request)
            request.method = "HEAD"
            if not response.streaming:
                length = len(response.content)
                response.content = b""
                response["Content-Length"] = str(length)
        else:
            response = get_response(request)
        for name, value in ALLOW.items():
            response[name] = value
        return response

    return middleware
