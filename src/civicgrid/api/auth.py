from __future__ import annotations

from ninja.security import HttpBearer

from . import tokens
from .errors import ApiError

OPEN311_KEY_REFUSED = "open311_key_not_accepted"


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`: a user's API token; the request then acts as that user.

    An Open311 api_key is a different credential (a partner app may only post service requests
    on /open311/v2/): it is refused here with its own error code, so a client sees why.
    """

    openapi_description = "用户的接口令牌：由管理员在“接口令牌”页面签发，或 `civicgrid create-token 用户名`。" \
                          "Open311 接入应用的 api_key 不能用于本接口。"

    def authenticate(self, request, token):
        found = tokens.resolve(token)
        if found is None:
            if tokens.is_client_key(token):
                raise ApiError(403, OPEN311_KEY_REFUSED,
                               "这是 Open311 接入应用的 api_key，只能用于 /open311/v2/ 提交和查询诉求，"
                               "不能访问 /api/v1；/api/v1 需要用户本人的接口令牌。")
            return None
        request.user = found.user
        request.api_token = found
        return found
