from django.contrib import admin
from django.db.models import Q
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import AuditEntry, Notification, Role, User
from .scoping import sees_everything, visible_to


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    autocomplete_fields = ["region", "department_unit"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [RoleInline]
    list_display = ["username", "display_name", "phone", "is_active", "locked_until"]
    fieldsets = BaseUserAdmin.fieldsets + (("civicgrid", {"fields": ("display_name", "phone")}),)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if sees_everything(request.user):
            return qs
        # An admin bounded to a district sees the users who hold a seat inside it.
        from civicgrid.regions.models import Region

        regions = visible_to(request.user, Region.objects.all())
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
