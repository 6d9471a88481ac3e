"""Permissions follow roles: a system-admin seat grants the admin site's model permissions.

What an administrator may see inside the admin is then bounded by each ModelAdmin's
get_queryset (visible_to, core/adminscope.py), and immutable things (the audit log) refuse change
in their admin. Who may grant what is decided in core/services.py and people/services.py.
"""
from django.contrib.auth.backends import ModelBackend

from . import roles as R

# Predicates user -> bool registered by apps whose accounts must never open a session (the API app's
# client-application service accounts). Core names no app; apps register in their ready().
_session_refusers: list = []


def refuse_sessions_for(predicate) -> None:
    if predicate not in _session_refusers:
        _session_refusers.append(predicate)


class RoleBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        """Throttled per address and per (address, account) whenever there is a request to know
        the address from: the staff login page and the admin login alike (core/throttle.py)."""
        if request is None or username is None:
            return super().authenticate(request, username=username, password=password, **kwargs)
        from . import throttle

        wait = throttle.seconds_blocked(request, username)
        if wait:
            request.login_throttled_seconds = wait  # the login page says so; no password is tried
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            throttle.record_failure(request, username)
        else:
            throttle.record_success(request, username)
        return user

    def user_can_authenticate(self, user) -> bool:
        # E.g. a client application's service user files Open311 requests through its api_key
        # only; even if someone set it a password, it must never open a session.
        if not super().user_can_authenticate(user):
            return False
        return not any(refuse(user) for refuse in _session_refusers)

    def _is_system_admin(self, user) -> bool:
        if not (user.is_active and user.is_authenticated):
            return False
        from .scoping import has_role

        return has_role(user, R.SYSTEM_ADMIN)

    def has_perm(self, user_obj, perm, obj=None):
        return self._is_system_admin(user_obj) or super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label):
        return self._is_system_admin(user_obj) or super().has_module_perms(user_obj, app_label)
