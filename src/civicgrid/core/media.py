"""Uploaded files are served only to those allowed to see them.

Case photos show where people live and what they complained about, so /media/ is not a public
folder. Each app registers, for a path prefix under MEDIA_ROOT, a check `fn(request, relpath) -> bool`;
the checks for a prefix are OR-ed, and a path no check allows answers 404. In production the file
itself can be handed to nginx (settings.MEDIA_X_ACCEL_PREFIX, an `internal` location).
"""
from __future__ import annotations

import mimetypes
import posixpath
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse

_checks: dict[str, list[Callable]] = {}


def register(prefix: str, check: Callable) -> None:
    bucket = _checks.setdefault(prefix, [])
    if check not in bucket:
        bucket.append(check)


def allowed(request, relpath: str) -> bool:
    for prefix, checks in _checks.items():
        if relpath.startswith(prefix) and any(check(request, relpath) for check in checks):
            return True
    return False


def serve(request, path: str):
    relpath = posixpath.normpath(path).lstrip("/")
    if relpath.startswith("..") or "\x00" in relpath or not allowed(request, relpath):
        raise Http404("文件不存在或无权查看")
    full = Path(settings.MEDIA_ROOT) / relpath
    if not full.is_file():
        raise Http404("文件不存在或无权查看")
    accel = getattr(settings, "MEDIA_X_ACCEL_PREFIX", "")
    if accel:
        response = HttpResponse(content_type=mimetypes.guess_type(relpath)[0] or "application/octet-stream")
        response["X-Accel-Redirect"] = accel.rstrip("/") + "/" + relpath
    else:
        response = FileResponse(full.open("rb"))
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
