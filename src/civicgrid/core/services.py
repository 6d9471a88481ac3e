"""Writes about users: authentication with lockout, role seats."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import audit
from . import roles as R
from .models import Role, User
from .scoping import require_in_scope, require_role


class LoginRefused(Exception):
    """Raised with a message fit to show on the login page."""


def login_attempt(request, username: str, password: str) -> User:
    """Check a password, counting failures; a locked account is refused before the password is tried."""
    user = User.objects.filter(username=username).first()
    now = timezone.now()
    if user is not None and user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        audit.record(None, "auth.login_refused_locked", user)
        raise LoginRefused(f"账号因多次登录失败已被锁定，请 {minutes} 分钟后再试，或联系系统管理员解锁。")
    authed = authenticate(request, username=username, password=password)
    if authed is None:
        if user is not None:
            # Count and lock in one committed transaction; the refusal is raised after commit.
            with transaction.atomic():
                User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
                user.refresh_from_db(fields=["failed_logins"])
                locked = user.failed_logins >= settings.LOGIN_MAX_FAILURES
                if locked:
                    User.objects.filter(pk=user.pk).update(
                        locked_until=now + dt.timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS), failed_logins=0)
                audit.record(None, "auth.locked" if locked else "auth.login_failed", user)
            if locked:
                raise LoginRefused("密码连续错误次数过多，账号已被锁定，请稍后再试。")
        raise LoginRefused("用户名或密码错误。")
    if authed.failed_logins or authed.locked_until:
        User.objects.filter(pk=authed.pk).update(failed_logins=0, locked_until=None)
    audit.record(authed, "auth.login", authed)
    return authed


@transaction.atomic
def unlock_user(actor, user: User) -> None:
    require_role(actor, R.SYSTEM_ADMIN)
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    audit.record(actor, "auth.unlock", user)


@transaction.atomic
def grant_role(actor, user: User, role: str, *, region=None, department_unit=None, title: str = "",
               public: bool = True) -> Role:
    require_role(actor, R.SYSTEM_ADMIN)
    anchor = region or (department_unit.region if department_unit else None)
    if anchor is not None:
        require_in_scope(actor, anchor, roles=(R.SYSTEM_ADMIN,))
    seat = Role(user=user, role=role, region=region, department_unit=department_unit, title=title, public=public)
    seat.full_clean()
    seat.save()
    audit.record(actor, "role.grant", seat, detail={"user": user.username, "role": role})
    return seat


@transaction.atomic
def revoke_role(actor, seat: Role) -> None:
    require_role(actor, R.SYSTEM_ADMIN)
    anchor = seat.region or seat.department_unit.region
    require_in_scope(actor, anchor, roles=(R.SYSTEM_ADMIN,))
    audit.record(actor, "role.revoke", seat, detail={"user": seat.user.username, "role": seat.role})
    seat.delete()


def create_user(actor, *, username: str, password: str, display_name: str = "", phone: str = "") -> User:
    require_role(actor, R.SYSTEM_ADMIN)
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": f"用户名“{username}”已存在"})
    with transaction.atomic():
        user = User.objects.create_user(username=username, password=password, display_name=display_name,
                                        phone=phone)
        audit.record(actor, "user.create", user)
    return user
