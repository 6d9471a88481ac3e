"""Staff page for the GeoJSON import (试运行 / 导入) and the export download.

A successful dry run keeps the uploaded file on disk under a random token (in the session), so
"确认导入" commits exactly the file that was checked without asking for it again.
"""
from __future__ import annotations

import secrets
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from . import exporter, importer, selectors
from .models import Region

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
ALLOWED_SUFFIXES = (".geojson", ".json")
PENDING_KEY = "regions_import_pending"
PENDING_MAX_AGE_S = 24 * 3600


def _pending_dir() -> Path:
    return Path(getattr(settings, "REGION_IMPORT_DIR", settings.VAR_DIR / "imports"))


def _pending_path(user, token: str) -> Path:
    return _pending_dir() / f"{user.pk}-{token}.geojson"


def _sweep_pending() -> None:
    """Files of dry runs never confirmed are dropped after a day."""
    cutoff = time.time() - PENDING_MAX_AGE_S
    for p in _pending_dir().glob("*.geojson"):
        try:
            if p.stat().st_mtime < cutoff:
                p.unlink()
        except OSError:
            pass


def _keep_pending(request, data: bytes, filename: str) -> str:
    directory = _pending_dir()
    directory.mkdir(parents=True, exist_ok=True)
    _sweep_pending()
    old = request.session.get(PENDING_KEY)
    if old:
        _pending_path(request.user, old["token"]).unlink(missing_ok=True)
    token = secrets.token_urlsafe(16)
    _pending_path(request.user, token).write_bytes(data)
    request.session[PENDING_KEY] = {"token": token, "name": filename}
    return token


def _take_pending(request, token: str) -> tuple[bytes | None, str]:
    pending = request.session.get(PENDING_KEY)
    if not pending or not secrets.compare_digest(pending["token"], token or ""):
        return None, ""
    path = _pending_path(request.user, pending["token"])
    try:
        data = path.read_bytes()
    except OSError:
        return None, ""
    return data, pending["name"]


def _drop_pending(request) -> None:
    pending = request.session.pop(PENDING_KEY, None)
    if pending:
        _pending_path(request.user, pending["token"]).unlink(missing_ok=True)


def _read_upload(upload) -> tuple[bytes | None, str]:
    if upload is None:
        return None, "请选择要上传的 GeoJSON 文件"
    if not upload.name.lower().endswith(ALLOWED_SUFFIXES):
        return None, "只能上传 .geojson 或 .json 文件"
    if upload.size > MAX_UPLOAD_BYTES:
        return None, (f"文件过大（{upload.size / 1024 / 1024:.1f} MB），单个文件不能超过 "
                      f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB；请按街道分批导入")
    if upload.size == 0:
        return None, "文件是空的"
    return upload.read(), ""


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    if not importer.can_import(request.user):
        raise PermissionDenied("只有系统管理员可以导入区域和网格")
    ctx: dict = {"max_mb": MAX_UPLOAD_BYTES // 1024 // 1024, "tolerance": settings.GRID_TILING_TOLERANCE_M2,
                 "roots": _export_roots(request.user)}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "confirm":
            data, filename = _take_pending(request, request.POST.get("token", ""))
            error = "" if data is not None else "待确认的文件已失效，请重新上传并试运行"
            dry_run = False
        else:
            upload = request.FILES.get("file")
            data, error = _read_upload(upload)
            filename = upload.name if upload is not None else ""
            dry_run = action != "commit"
        if error:
            ctx["error"], status = error, 400
        else:
            report = importer.import_geojson(request.user, data, dry_run=dry_run)
            ctx.update(report=report, filename=filename)
            if not report.ok:
                status = 400
            if report.ok and dry_run and any(f.action != "unchanged" for f in report.features):
                ctx["token"] = _keep_pending(request, data, filename)
            elif report.committed:
                _drop_pending(request)
    return render(request, "regions/import.html", ctx, status=status)


def _export_roots(user) -> list[Region]:
    """The nodes offered for a partial export: the user's visible streets and above."""
    return list(selectors.regions_for(user).filter(level__in=["city", "district", "street"]).order_by("path")[:200])


@login_required
def export_download(request):
    if not importer.can_import(request.user):
        raise PermissionDenied("只有系统管理员可以导出区域和网格")
    root = None
    code = request.GET.get("root", "").strip()
    if code:
        root = selectors.node_for(request.user, code)
    data = exporter.export_bytes(request.user, root)
    from civicgrid.core import spreadsheet

    return spreadsheet.download(data, spreadsheet.filename("区划网格", "geojson", suffix=code or "全部"),
                                "application/geo+json; charset=utf-8")
