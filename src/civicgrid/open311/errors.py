"""Open311's error codes (see core/errors.py). GeoReport v2 shows them as [{"code": <HTTP status>,
"description": ...}]: the status comes from core.errors.problem, the description from the message."""
from __future__ import annotations

from civicgrid.core.errors import FORBIDDEN, INVALID, NOT_FOUND, AppError


class BadKey(AppError):
    code = "open311.bad_api_key"
    kind = FORBIDDEN
    default_message = "api_key was not provided or is invalid / api_key 缺失或无效"


class UnknownService(AppError):
    code = "open311.unknown_service"
    kind = NOT_FOUND
    default_message = "service_code not found / 服务编码不存在"


class BadRequest(AppError):
    code = "open311.bad_request"
    kind = INVALID
    default_message = "the request is incomplete / 请求参数不完整"
