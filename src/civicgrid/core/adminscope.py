"""Jurisdiction in the Django admin: every ModelAdmin says how it is scoped, and is.

Each registered ModelAdmin carries `admin_scope`, one of:

- "jurisdiction": rows are filtered by the same rule as the app (`visible_to`), or through a
  foreign key to a scoped model (`scope_via`), or to a user the administrator manages
  (`scope_via_user`, see scoping.users_managed_by). Change, delete and history pages look the
  object up through get_queryset, so an out-of-scope object is "not found" there too.
- "global": reference data that is the same for the whole city and holds no personal data
  (categories, workflow transitions, Open311 attributes); every administrator reads it.
- "superuser": only a superuser sees the model at all (groups and permissions, task results).

tests/core/test_admin_scoping.py walks admin.site._registry and fails on an admin without one of
these, or whose changelist shows another street's rows.
"""
from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet

from .scoping import sees_everything, users_managed_by, visible_to

JURISDICTION, GLOBAL, SUPERUSER = "jurisdiction", "global", "superuser"


def scope_queryset(user, qs: QuerySet, *, via: str = "", via_user: str = "") -> QuerySet:
    if sees_everything(user):
        return qs
    from .models import User

    if via_user:
        if via_user == "self":
            return users_managed_by(user, qs)
        return qs.filter(**{f"{via_user}__in": users_managed_by(user, User.objects.all()).values("pk")})
    if via:
        related = qs.model._meta.get_field(via).related_model
        return qs.filter(**{f"{via}__in": visible_to(user, related._default_manager.all()).values("pk")})
    return visible_to(user, qs)


class JurisdictionMixin:
    """Put first in the bases of a ModelAdmin whose rows belong to a place."""

    admin_scope = JURISDICTION
    scope_via = ""       # a foreign key to a model that declares SCOPE_REGION_FIELD
    scope_via_user = ""  # a foreign key to a user ("self" for the user model itself)

    def get_queryset(self, request):
        return scope_queryset(request.user, super().get_queryset(request),
                              via=self.scope_via, via_user=self.scope_via_user)

    # The change, delete and history views find objects through get_queryset already; these say the
    # same for any other caller that asks about one object (actions, inlines, custom views).
    def _in_scope(self, request, obj) -> bool:
        return obj is None or scope_queryset(request.user, type(obj)._default_manager.filter(pk=obj.pk),
                                             via=self.scope_via, via_user=self.scope_via_user).exists()

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)


class JurisdictionAdmin(JurisdictionMixin, admin.ModelAdmin):
    pass


class GlobalMixin:
    admin_scope = GLOBAL


class SuperuserOnlyMixin:
    admin_scope = SUPERUSER

    def _su(self, request) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_module_permission(self, request):
        return self._su(request)

    def has_view_permission(self, request, obj=None):
        return self._su(request)

    def has_add_permission(self, request, *args):
        return self._su(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._su(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._su(request) and super().has_delete_permission(request, obj)


def restrict_to_superuser(model) -> None:
    """Re-register a third-party model's admin so that only a superuser reaches it."""
    if not admin.site.is_registered(model):
        return
    base = type(admin.site._registry[model])
    admin.site.unregister(model)
    admin.site.register(model, type(f"SuperuserOnly{base.__name__}", (SuperuserOnlyMixin, base), {}))
