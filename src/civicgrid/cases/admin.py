"""Administrators edit categories (limits, default department and tier); the rest is read-only here.

Cases change only through services.act, so the admin shows them without edit rights.
"""
from django.contrib import admin

from civicgrid.core.adminscope import GlobalMixin, JurisdictionMixin

from . import services
from .models import Case, CaseEvent, Category, Transition


@admin.register(Category)
class CategoryAdmin(GlobalMixin, admin.ModelAdmin):
    list_display = ("code", "name", "major_name", "kind", "department_code", "default_tier", "accept_hours",
                    "dispatch_hours", "handle_hours", "urgent_handle_hours", "active")
    list_filter = ("kind", "default_tier", "active", "major_name")
    search_fields = ("code", "name", "major_name")
    list_editable = ("active",)

    def save_model(self, request, obj, form, change):
        services.save_category(request.user, obj, changed=list(form.changed_data))

    def has_delete_permission(self, request, obj=None):
        return False  # cases keep their category; deactivate instead


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(JurisdictionMixin, ReadOnly):
    list_display = ("number", "category", "state", "tier", "street", "assigned_unit", "created_at")
    list_filter = ("state", "tier", "channel")
    search_fields = ("number",)
    exclude = ("requester_phone",)


@admin.register(CaseEvent)
class CaseEventAdmin(JurisdictionMixin, ReadOnly):
    scope_via = "case"
    list_display = ("case", "seq", "action", "from_state", "to_state", "actor_name", "at")


@admin.register(Transition)
class TransitionAdmin(GlobalMixin, ReadOnly):
    list_display = ("from_state", "action", "to_state", "roles", "condition", "needs_note", "needs_photo")
