"""Makes the current request's user and address available to services for the audit log.

Services take the actor explicitly; the address is ambient because threading it through every
service signature would add noise for a value only the audit log reads.
"""
from __future__ import annotations

import contextvars
import re

from django.conf import settings

current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_ip", default=None)


def client_ip(request) -> str | None:
    # Behind our nginx (deploy/) the real address arrives in X-Real-IP. The header is trusted only
    # when settings say a proxy sets it; otherwise any client could forge its audit address.
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


class NavBadgeMiddleware:
    """A signed-in user's form post may change the counts in their navigation badges (core/nav.py keeps
    them for half a minute): their session's badge version moves on, so the page after the post counts
    afresh. Runs inside SessionMiddleware, which then saves the session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "POST" and settings.SESSION_COOKIE_NAME in request.COOKIES:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                from .nav import forget_badges

                forget_badges(request.session)
        return response


class CleanInputMiddleware:
    """Removes control characters from every text a request brings in (see core.textclean).

    Why here and not in forms or schemas: text enters through Django forms, views that read
    request.POST directly, ninja schemas (JSON), the Open311 form posts and the hotline console; one
    normaliser in front of all of them cannot be forgotten by the next view. Files are left alone
    (the importer cleans cells as it reads them; photos are binary). Query strings, form fields
    and JSON bodies are cleaned; a JSON body is re-serialised only when it holds an escaped control
    character, so ordinary requests are not parsed twice.
    """

    _JSON_CONTROL = re.compile(rb"\\u00[01][0-9a-fA-F]|\\u007[fF]|\\u00[89][0-9a-fA-F]")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .textclean import has_control

        if any(has_control(k) or any(has_control(v) for v in vs) for k, vs in request.GET.lists()):
            request.GET = _cleaned(request.GET)
        ctype = request.content_type or ""
        if request.method in ("POST", "PUT", "PATCH"):
            if ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                try:
                    post = request.POST
                except Exception:  # a malformed body: let the view (and Django) answer it as before
                    post = None
                if post is not None and any(has_control(k) or any(has_control(v) for v in vs)
                                            for k, vs in post.lists()):
                    request.POST = _cleaned(post)
            elif ctype.endswith("json"):
                self._clean_json(request)
        return self.get_response(request)

    def _clean_json(self, request) -> None:
        import json

        from .textclean import clean_data

        try:
            body = request.body
        except Exception:  # too large or already read: Django reports it where it is read
            return
        if not body or not self._JSON_CONTROL.search(body):
            return
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return  # invalid JSON: the API answers 400 for it
        request._body = json.dumps(clean_data(data), ensure_ascii=False).encode("utf-8")


def _cleaned(qd):
    from django.http import QueryDict

    from .textclean import clean_text

    out = QueryDict(mutable=True, encoding=qd.encoding)
    for k, vs in qd.lists():
        out.setlist(clean_text(k), [clean_text(v) for v in vs])
    out._mutable = False
    return out



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
        # A NUL byte in the address is never meant: PostgreSQL refuses it in any text it is compared
        # with (a case number, a region code), so it would surface as a database error inside a view.
        # Parameters need no check here: CleanInputMiddleware strips control characters from them.
        if "\x00" in request.path_info:
            return bad_request(request, "请求地址中包含无效字符（NUL）。")
        return self.get_response(request)

    def process_exception(self, request, exception):
        from .params import BadParameter

        if isinstance(exception, BadParameter):
            return bad_request(request, " ".join(exception.messages))
        return None
