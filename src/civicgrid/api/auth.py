from __future__ import annotations

from ninja.security import HttpBearer

from . import tokens


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; the request then acts as the token's user (or client's service user)."""

    openapi_description = "由管理员在“接口令牌”页面签发，或 `civicgrid create-token 用户名`。"

    def authenticate(self, request, token):
        found = tokens.resolve(token)
        if found is None:
            return None
        request.user = found.acting_user
        request.api_token = found
        return found
