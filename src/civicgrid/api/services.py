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
from .models import ApiToken, ClientApplication


def _require_admin(actor) -> None:
    """`actor=None` is the command line (whoever can run it owns the server)."""
    if actor is None:
        return
    if not is_admin(actor):
        raise PermissionDenied("只有系统管理员可以签发或吊销接口令牌。")


def _require_user_in_scope(actor, user: User) -> None:
    if actor is None or sees_everything(actor):
        return
    from civicgrid.regions.models import Region
    from civicgrid.core.scoping import visible_to

    regions = visible_to(actor, Region.objects.all())
    seats = user.roles.all()
    if not seats or not all(
        (s.region_id and regions.filter(pk=s.region_id).exists())
        or (s.department_unit_id and regions.filter(pk=s.department_unit.region_id).exists())
        for s in seats
    ):
        raise PermissionDenied("该用户不在您的管辖范围内。")


@transaction.atomic
def issue_token(actor, *, user: User | None = None, client: ClientApplication | None = None,
                name: str = "") -> tuple[ApiToken, str]:
    """A new token; the raw value is returned once and never stored."""
    _require_admin(actor)
    if (user is None) == (client is None):
        raise ValidationError("令牌必须属于一个用户或一个接入应用。")
    if user is not None:
        if not user.is_active:
            raise ValidationError("该用户已停用，不能签发令牌。")
        _require_user_in_scope(actor, user)
    if client is not None and actor is not None:
        require_in_scope(actor, client)
    raw = tokens.generate()
    token = ApiToken.objects.create(user=user, client=client, name=name[:100], prefix=raw[:10],
                                    token_hash=tokens.digest(raw), created_by=actor)
    audit.record(actor or "命令行", "api_token.issue", token,
                 detail={"owner": token.owner_label, "prefix": token.prefix, "name": token.name})
    return token, raw


@transaction.atomic
def revoke_token(actor, token: ApiToken, *, reason: str = "") -> ApiToken:
    _require_admin(actor)
    if actor is not None:
        if token.client_id:
            require_in_scope(actor, token.client)
        else:
            _require_user_in_scope(actor, token.user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(actor or "命令行", "api_token.revoke", token, detail={"prefix": token.prefix}, reason=reason)
    return token


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
    """A client application with its own service user (a hotline-operator seat at `region`) and a key."""
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
    _, raw = issue_token(actor, client=client, name="api_key")
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
