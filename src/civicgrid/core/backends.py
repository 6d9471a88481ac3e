"""Permissions follow roles: a system-admin seat grants the admin site's model permissions.

What an administrator may see inside the admin is then bounded by each ModelAdmin's
get_queryset (visible_to), and immutable things (the audit log) refuse change in their admin.
"""
from django.contrib.auth.backends import ModelBackend

from . import roles as R


class RoleBackend(ModelBackend):
    def _is_system_admin(self, user) -> bool:
        if not (user.is_active and user.is_authenticated):
            return False
        from .scoping import has_role

        return has_role(user, R.SYSTEM_ADMIN)

    def has_perm(self, user_obj, perm, obj=None):
        return self._is_system_admin(user_obj) or super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label):
        return self._is_system_admin(user_obj) or super().has_module_perms(user_obj, app_label)
