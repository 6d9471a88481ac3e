"""Who a regions command acts as. Services need a real user: the audit log names every writer."""
from __future__ import annotations

from django.core.management.base import CommandError


def resolve_actor(username: str | None):
    from civicgrid.core.models import User

    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"用户“{username}”不存在或已停用")
        return user
    user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if user is None:
        raise CommandError("系统中没有超级管理员：请用 --as 指定一个系统管理员的用户名，"
                           "或先运行 `civicgrid createsuperuser`")
    return user
