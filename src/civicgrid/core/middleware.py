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
