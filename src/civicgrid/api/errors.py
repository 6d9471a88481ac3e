"""The one error shape of /api/v1, for every failure:

    {"error": {"code": "not_found", "message": "中文说明", "details": [...]}}

`code` is a stable English identifier clients may branch on; `message` is for people; `details`
lists field problems ({"loc": [...], "message": ..., "type": ...}) when there are any.

The apps' own refusals (core.errors.AppError subclasses such as cases.conflict or
hotline.rate_limited, and coded ValidationErrors such as core.invalid_phone) keep their code here,
and their HTTP status comes from core.errors.problem — the same mapping the HTML pages use.
"""
from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from civicgrid.core.errors import AppError, problem

log = logging.getLogger("civicgrid.api")


class ErrorDetail(Schema):
    loc: list[str | int] = []
    message: str
    type: str = ""


class ErrorBody(Schema):
    code: str
    message: str
    details: list[ErrorDetail] = []


class ErrorOut(Schema):
    error: ErrorBody


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: list | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or []


CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 422: "invalid", 429: "throttled"}


def body(code: str, message: str, details: list | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or []}}


def _validation_details(errors) -> list[dict]:
    out = []
    for e in errors:
        loc = [p if isinstance(p, int) else str(p) for p in e.get("loc", [])]
        out.append({"loc": loc, "message": str(e.get("msg", "")), "type": str(e.get("type", ""))})
    return out


def install(api) -> None:
    def respond(request, status, code, message, details=None):
        return api.create_response(request, body(code, message, details), status=status)

    @api.exception_handler(ApiError)
    def _api_error(request, exc: ApiError):
        return respond(request, exc.status, exc.code, exc.message, exc.details)

    @api.exception_handler(NinjaValidationError)
    def _validation(request, exc):
        return respond(request, 422, "invalid", "请求参数不正确。", _validation_details(exc.errors))

    @api.exception_handler(AuthenticationError)
    def _auth(request, exc):
        return respond(request, 401, "unauthorized", "缺少或无效的接口令牌（Authorization: Bearer <令牌>）。")

    @api.exception_handler(AuthorizationError)
    def _authz(request, exc):
        return respond(request, 403, "forbidden", str(exc) or "无权执行此操作。")

    @api.exception_handler(Throttled)
    def _throttled(request, exc):
        return respond(request, 429, "throttled", "请求过于频繁，请稍后再试。")

    @api.exception_handler(HttpError)
    def _http(request, exc: HttpError):
        status = exc.status_code
        message = str(exc)
        if status == 400 and "parse" in message.lower():
            message = "请求体无法解析：须为 UTF-8 编码的 JSON。"
        return respond(request, status, CODES.get(status, "error"), message)

    @api.exception_handler(Http404)
    def _404(request, exc):
        return respond(request, 404, "not_found", "对象不存在或不在您的管辖范围内。")

    def _problem(request, exc):
        p = problem(exc, api=True)
        return respond(request, p.status, p.code, p.message, p.details)

    for kind in (AppError, PermissionDenied, DjangoValidationError):
        api.add_exception_handler(kind, _problem)

    @api.exception_handler(Exception)
    def _server_error(request, exc):
        log.exception("API error on %s", request.path)
        return respond(request, 500, "server_error", "服务器内部错误，请稍后重试或联系管理员。")


# What every operation documents besides its success status.
COMMON = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
