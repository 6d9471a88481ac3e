"""Makes the current request's user and address available to services for the audit log.

Services take the actor explicitly; the address is ambient because threading it through every
service signature would add noise for a value only the audit log reads.
"""
from __future__ import annotations

import contextvars
import re

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
