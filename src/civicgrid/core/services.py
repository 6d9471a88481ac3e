"""Writes about users: signing in, user records and role seats."""
from __future__ import annotations

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from . import audit
from . import roles as R
from .models import Role, User
from .phones import clean_phone
from .scoping import require_role, require_user_manageable, sees_everything, seat_in_admin_scope


class LoginRefused(Exception):
    """Raised with a message fit to show on the login page."""


def login_attempt(request, username: str, password: str) -> User:
    """Check a password. Refusals read the same for real and unknown usernames; the throttle
    (per address and per address+account, core/throttle.py) runs in the authentication backend."""
    authed = authenticate(request, username=username, password=password)
    if authed is not None:
        audit.record(authed, "auth.login", authed)
        return authed
    wait = getattr(request, "login_throttled_seconds", 0)
    user = User.objects.filter(username=username).first()
    # Internal record: administrators of the account's area see attempts on it; nothing of it
    # reaches the person at the login page.
    # An unknown name is not stored: it is often a password typed into the wrong box.
    audit.record(None, "auth.login_throttled" if wait else "auth.login_failed", user)
    if wait:
        minutes = max(1, (wait + 59) // 60)
        raise LoginRefused(f"登录尝试过于频繁，请 {minutes} 分钟后再试。")
    raise LoginRefused("用户名或密码错误。")


# -- users and role seats: who may grant what --------------------------------------------------
# Rules (README "谁能授予什么"):
# - only a superuser creates superusers or sets is_superuser, is_staff, groups or model permissions;
#   is_staff otherwise follows the seats: it is on while the user holds a system-administrator seat;
# - a system administrator manages only users all of whose seats lie in their own subtree, and
#   grants seats only at nodes inside it (never above, never beside it);
# - nobody grants a seat to themselves: another authorised person does, and the audit log says who
#   granted what to whom.

PRIVILEGED_USER_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")


def _require_admin(actor) -> None:
    if actor is not None:
        require_role(actor, R.SYSTEM_ADMIN)


def check_role_grant(actor, user: User, role: str, *, region=None, department_unit=None) -> None:
    """Raise PermissionDenied (with the reason) unless `actor` may give `user` this seat."""
    if actor is None:  # the command line: whoever runs it owns the server
        return
    _require_admin(actor)
    if user.pk is not None and user.pk == actor.pk:
        raise PermissionDenied("不能给自己授予角色：须由另一位有权限的管理员授予（双人原则）。")
    if sees_everything(actor):
        return
    if user.is_superuser:
        raise PermissionDenied("只有超级管理员可以管理超级管理员账号。")
    if not seat_in_admin_scope(actor, region=region, department_unit=department_unit):
        raise PermissionDenied("只能在您管理的区域内授予角色，不能授予上级或其他区域的角色。")
    if user.pk is not None and user.roles.exists():
        require_user_manageable(actor, user)


def _sync_staff(user: User) -> None:
    staff = user.is_superuser or user.roles.filter(role=R.SYSTEM_ADMIN).exists()
    if user.is_staff != staff:
        User.objects.filter(pk=user.pk).update(is_staff=staff)
        user.is_staff = staff


@transaction.atomic
def grant_role(actor, user: User, role: str, *, region=None, department_unit=None, title: str = "",
               public: bool = True) -> Role:
    check_role_grant(actor, user, role, region=region, department_unit=department_unit)
    seat = Role(user=user, role=role, region=region, department_unit=department_unit, title=title, public=public)
    seat.full_clean()
    seat.save()
    _sync_staff(user)
    audit.record(actor or "命令行", "role.grant", seat,
                 detail={"user": user.username, "role": role, "at": str(region or department_unit)})
    return seat


@transaction.atomic
def change_role(actor, seat: Role, *, role: str, region=None, department_unit=None, title: str = "",
                public: bool = True) -> Role:
    """Move or retitle a seat: the same checks as taking the old seat away and granting the new one."""
    old = Role.objects.select_related("region", "department_unit__region").get(pk=seat.pk)
    if actor is not None and not seat_in_admin_scope(actor, region=old.region, department_unit=old.department_unit):
        raise PermissionDenied("该角色不在您的管理区域内。")
    check_role_grant(actor, old.user, role, region=region, department_unit=department_unit)
    seat.role, seat.region, seat.department_unit, seat.title, seat.public = role, region, department_unit, title, public
    seat.full_clean()
    seat.save()
    _sync_staff(seat.user)
    audit.record(actor or "命令行", "role.change", seat, detail={
        "user": seat.user.username, "from": {"role": old.role, "at": str(old.region or old.department_unit)},
        "to": {"role": role, "at": str(region or department_unit)}})
    return seat


@transaction.atomic
def revoke_role(actor, seat: Role) -> None:
    _require_admin(actor)
    if actor is not None and not seat_in_admin_scope(actor, region=seat.region,
                                                     department_unit=seat.department_unit):
        raise PermissionDenied("该角色不在您的管理区域内。")
    user = seat.user
    audit.record(actor or "命令行", "role.revoke", seat, detail={"user": user.username, "role": seat.role})
    seat.delete()
    _sync_staff(user)


def check_user_fields(actor, user: User, changed: list[str]) -> None:
    """Raise PermissionDenied unless `actor` may write these fields of `user` (new or existing)."""
    if actor is None or sees_everything(actor):
        return
    _require_admin(actor)
    privileged = [f for f in changed if f in PRIVILEGED_USER_FIELDS]
    if privileged:
        raise PermissionDenied("只有超级管理员可以设置超级管理员、职员状态、用户组或权限（"
                               + "、".join(privileged) + "）。")
    if user.pk is not None and User.objects.filter(pk=user.pk).exists():
        require_user_manageable(actor, user)


@transaction.atomic
def save_user(actor, user: User, *, changed: list[str], created: bool) -> User:
    """Save a user edited in a form. Privileged flags are compared with the stored row, so a value
    slipped past a form (a crafted POST, a future form that shows the field) is refused here."""
    if actor is not None and not sees_everything(actor):
        stored = User.objects.filter(pk=user.pk).first() if user.pk else None
        flags = [f for f in ("is_superuser", "is_staff")
                 if getattr(user, f) != (getattr(stored, f) if stored else False)]
        check_user_fields(actor, user, list(changed) + flags)
    user.save()
    audit.record(actor or "命令行", "user.create" if created else "user.update", user,
                 detail={"changed": [f for f in changed if f != "password"]})
    return user


def create_user(actor, *, username: str, password: str, display_name: str = "", phone: str = "") -> User:
    require_role(actor, R.SYSTEM_ADMIN)
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": f"用户名“{username}”已存在"})
    phone = clean_phone(phone)  # notifications text this number: one canonical form, checked here
    with transaction.atomic():
        user = User.objects.create_user(username=username, password=password, display_name=display_name,
                                        phone=phone)
        audit.record(actor, "user.create", user)
    return user
