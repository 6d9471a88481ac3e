"""Admin: only capability grants, and those through the service (so each grant is audited).

Residents are never edited in the admin: every change to them goes through services with its
jurisdiction check and audit entry, and the admin would show their protected fields in full.
"""
from django.contrib import admin

from . import services
from .models import CapabilityGrant


@admin.register(CapabilityGrant)
class CapabilityGrantAdmin(admin.ModelAdmin):
    list_display = ("user", "capability", "reason", "granted_by", "granted_at", "revoked_at")
    list_filter = ("capability",)
    fields = ("user", "capability", "reason")
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None):
        return obj is None

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        grant = services.grant_capability(request.user, obj.user, obj.capability, obj.reason)
        obj.pk = grant.pk

    @admin.action(description="撤销所选授权")
    def revoke(self, request, queryset):
        for g in queryset.filter(revoked_at__isnull=True):
            services.revoke_capability(request.user, g, "管理后台撤销")
