"""Issuing and revoking API credentials. Every write here is audited."""
from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from civicgrid.core import audit
from civicgrid.core import roles as R
from civicgrid.core.models import Role, User
from civicgrid.core.scoping import is_admin, require_in_scope, sees_everything

from . import tokens
from .models import ApiToken, ClientApplication, ClientKey


def _require_admin(actor) -> None:
    """`actor=None` is the command line (whoever can run it owns the server)."""
    if actor is None:
        return
    if not is_admin(actor):
        raise PermissionDenied("只有系统管理员可以签发或吊销接口令牌。")


def _require_user_in_scope(actor, user: User) -> None:
    if actor is None:
        return
    from civicgrid.core.scoping import require_user_manageable

    require_user_manageable(actor, user)


@transaction.atomic
def issue_token(actor, *, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new /api/v1 token for a person; the raw value is returned once and never stored."""
    _require_admin(actor)
    if user is None:
        raise ValidationError("接口令牌必须属于一个用户。")
    if not user.is_active:
        raise ValidationError("该用户已停用，不能签发令牌。")
    if tokens.is_service_user(user):
        # A partner app's service user files Open311 requests only; a token would give it /api/v1.
        raise ValidationError("接入应用的服务账号不能持有接口令牌；接入应用只使用 Open311 api_key。")
    _require_user_in_scope(actor, user)
    raw = tokens.generate()
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=raw[:10],
                                    token_hash=tokens.digest(raw), created_by=actor)
    audit.record(actor or "命令行", "api_token.issue", token,
                 detail={"owner": token.owner_label, "prefix": token.prefix, "name": token.name})
    return token, raw


@transaction.atomic
def revoke_token(actor, token: ApiToken, *, reason: str = "") -> ApiToken:
    _require_admin(actor)
    _require_user_in_scope(actor, token.user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(actor or "命令行", "api_token.revoke", token, detail={"prefix": token.prefix}, reason=reason)
    return token


@transaction.atomic
def issue_client_key(actor, client: ClientApplication) -> tuple[ClientKey, str]:
    """A new Open311 api_key for a client application; the raw value is returned once."""
    _require_admin(actor)
    if actor is not None:
        require_in_scope(actor, client)
    if not client.active:
        raise ValidationError("该接入应用已停用，不能签发 api_key。")
    raw = tokens.generate_key()
    key = ClientKey.objects.create(client=client, prefix=raw[:10], key_hash=tokens.digest(raw), created_by=actor)
    audit.record(actor or "命令行", "client_key.issue", key, detail={"client": client.name, "prefix": key.prefix})
    return key, raw


@transaction.atomic
def revoke_client_key(actor, key: ClientKey, *, reason: str = "") -> ClientKey:
    _require_admin(actor)
    if actor is not None:
        require_in_scope(actor, key.client)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.revoked_by = actor
        key.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(actor or "命令行", "client_key.revoke", key, detail={"prefix": key.prefix}, reason=reason)
    return key


def _service_username(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.+-]", "", name.replace(" ", "-"))[:40] or "app"
    base, n = f"app-{slug}", 1
    candidate = base
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


@transaction.atomic
def create_client(actor, *, name: str, region, contact: str = "") -> tuple[ClientApplication, str]:
    """A client application with its own service user (a hotline-operator seat at `region`) and an api_key.

    The seat is what intake checks when the app files a request; the service user has no password
    and can hold no API token, so the seat is reachable only through /open311/v2/ POST.
    """
    _require_admin(actor)
    name = (name or "").strip()
    if not name:
        raise ValidationError("请填写应用名称。")
    if ClientApplication.objects.filter(name=name).exists():
        raise ValidationError(f"应用“{name}”已存在。")
    if region is None or region.level not in R.ROLE_LEVELS[R.HOTLINE_OPERATOR]:
        raise ValidationError("接入应用的受理区域必须是区或市。")
    if actor is not None and not sees_everything(actor):
        require_in_scope(actor, region)
    user = User.objects.create_user(username=_service_username(name), display_name=f"接入应用：{name}"[:50])
    user.set_unusable_password()
    user.save()
    # The seat is what the app may do and where: the same rule as any operator at that node.
    Role.objects.create(user=user, role=R.HOTLINE_OPERATOR, region=region, title="接入应用", public=False)
    client = ClientApplication.objects.create(name=name, contact=contact, user=user, region=region)
    audit.record(actor or "命令行", "client_app.create", client, detail={"region": region.code, "user": user.username})
    _, raw = issue_client_key(actor, client)
    return client, raw


@transaction.atomic
def set_client_active(actor, client: ClientApplication, active: bool) -> ClientApplication:
    _require_admin(actor)
    if actor is not None:
        require_in_scope(actor, client)
    client.active = active
    client.save(update_fields=["active"])
    client.user.is_active = active
    client.user.save(update_fields=["is_active"])
    audit.record(actor or "命令行", "client_app.enable" if active else "client_app.disable", client)
    return client
