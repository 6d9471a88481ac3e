"""Makes the current request's user and address available to services for the audit log.

Services take the actor explicitly; the address is ambient because threading it through every
service signature would add noise for a value only the audit log reads.
"""
from __future__ import annotations

import contextvars

current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_ip", default=None)


def client_ip(request) -> str | None:
    # Behind our nginx (deploy/) the real address arrives in X-Real-IP. The header is trusted only
    # when settings say a proxy sets it; otherwise any client could forge its audit address.
    from django.conf import settings

    ip = request.META.get("HTTP_X_REAL_IP") if settings.TRUST_PROXY_HEADERS else None
    return ip or request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)


def wants_json(request) -> bool:
    """Whether the client reads JSON: the Open311 feed, the map's data calls, explicit Accept."""
    path = request.path
    if path.endswith(".json") or "/data/" in path or path.startswith("/open311/"):
        return True
    accept = request.META.get("HTTP_ACCEPT", "")
    return "application/json" in accept and "text/html" not in accept


def bad_request(request, message: str):
    """400 with a Chinese message in the shape the client reads: the API's error body, GeoReport's
    error list (JSON or XML), plain JSON for the pages' data calls, the 400 page for people."""
    from django.http import JsonResponse
    from django.shortcuts import render

    path = request.path
    if path.startswith("/api/"):
        return JsonResponse({"error": {"code": "bad_request", "message": message, "details": []}}, status=400,
                            json_dumps_params={"ensure_ascii": False})
    if path.startswith("/open311/"):
        from civicgrid.open311.formats import error

        return error("xml" if path.endswith(".xml") else "json", 400, message)
    if wants_json(request):
        return JsonResponse({"error": message}, status=400, json_dumps_params={"ensure_ascii": False})
    return render(request, "400.html", {"message": message}, status=400)


class BadParameterMiddleware:
    """Turns a request parameter that failed parsing (core.params.BadParameter) into a 400 answer.

    Views parse with core.params and need no try/except of their own for bad input; whatever they do
    not catch ends here instead of in a 500 with a traceback.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A NUL byte in the address or the query string is never meant: PostgreSQL refuses it in any
        # text it is compared with, so it would surface as a database error deep inside some view.
        if "\x00" in request.path_info or any("\x00" in k or any("\x00" in v for v in vs)
                                              for k, vs in request.GET.lists()):
            return bad_request(request, "请求地址或参数中包含无效字符（NUL）。")
        return self.get_response(request)

    def process_exception(self, request, exception):
        from .params import BadParameter

        if isinstance(exception, BadParameter):
            return bad_request(request, " ".join(exception.messages))
        return None
