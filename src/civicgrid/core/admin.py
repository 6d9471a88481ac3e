from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.db.models import Q

from . import audit
from .models import AuditEntry, Notification, Role, User, WorkingDayOverride
from .scoping import sees_everything, user_roles, visible_to


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    autocomplete_fields = ["region", "department_unit"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A forged POST naming a region outside the admin's jurisdiction fails form validation.
        if db_field.name in ("region", "department_unit"):
            kwargs["queryset"] = visible_to(request.user, db_field.related_model.objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [RoleInline]
    list_display = ["username", "display_name", "phone", "is_active", "locked_until"]
    fieldsets = BaseUserAdmin.fieldsets + (("civicgrid", {"fields": ("display_name", "phone")}),)

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.record(request.user, "user.update" if change else "user.create", obj,
                         detail={"changed": [f for f in form.changed_data if f != "password"]})

    def save_formset(self, request, form, formset, change):
        with transaction.atomic():
            super().save_formset(request, form, formset, change)
            for seat in formset.new_objects:
                audit.record(request.user, "role.grant", seat, detail={"user": seat.user.username, "role": seat.role})
            for seat in formset.deleted_objects:
                audit.record(request.user, "role.revoke", seat, object_id=str(seat.pk or ""),
                             detail={"user": seat.user.username, "role": seat.role})

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if sees_everything(request.user):
            return qs
        # An admin bounded to a district sees the users who hold a seat inside it.
        # The territory model through the seat's foreign key: core imports no app's models.
        regions = visible_to(request.user, Role._meta.get_field("region").related_model.objects.all())
        return qs.filter(Q(roles__region__in=regions) | Q(roles__department_unit__region__in=regions)).distinct()


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only in every way: no add, change or delete, not even for a superuser."""

    list_display = ["at", "actor_name", "action", "object_type", "object_repr", "ip"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "object_repr", "object_id", "reason"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "title", "read_at"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WorkingDayOverride)
class WorkingDayOverrideAdmin(admin.ModelAdmin):
    """Next year's holidays and make-up days until the chinese-calendar package knows them."""

    list_display = ["day", "working", "note"]
    list_filter = ["working"]
    date_hierarchy = "day"

    # The calendar is the whole city's: only an administrator seated at district or city level edits it.
    def _allowed(self, request) -> bool:
        return sees_everything(request.user) or any(
            r.role == "system_admin" and r.region_id and r.region.level in ("district", "city")
            for r in user_roles(request.user))

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.record(request.user, "calendar.update" if change else "calendar.create", obj,
                         detail={"day": obj.day.isoformat(), "working": obj.working})

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit.record(request.user, "calendar.delete", obj, detail={"day": obj.day.isoformat()})
            super().delete_model(request, obj)
