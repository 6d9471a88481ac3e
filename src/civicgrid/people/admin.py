"""Admin: only capability grants, and those through the service (so each grant is checked and audited).

Residents are never edited in the admin: every change to them goes through services with its
jurisdiction check and audit entry, and the admin would show their protected fields in full.
"""
from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError

from civicgrid.core.adminscope import JurisdictionAdmin
from civicgrid.core.models import User
from civicgrid.core.scoping import users_managed_by

from . import capabilities as C
from . import services
from .models import CapabilityGrant


class CapabilityGrantForm(forms.ModelForm):
    request = None

    class Meta:
        model = CapabilityGrant
        fields = ("user", "capability", "reason")

    def clean(self):
        data = super().clean()
        if data.get("user") and data.get("capability"):
            try:
                services.check_capability_grant(self.request.user, data["user"], data["capability"])
            except (PermissionDenied, ValidationError) as exc:
                raise ValidationError(getattr(exc, "messages", None) or str(exc)) from exc
        return data


@admin.register(CapabilityGrant)
class CapabilityGrantAdmin(JurisdictionAdmin):
    form = CapabilityGrantForm
    scope_via_user = "user"
    list_display = ("user", "capability", "reason", "granted_by", "granted_at", "revoked_at")
    list_filter = ("capability",)
    fields = ("user", "capability", "reason")
    actions = ["revoke"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request = request
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":  # never oneself: four eyes
            kwargs["queryset"] = users_managed_by(request.user, User.objects.exclude(pk=request.user.pk))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "capability" and not request.user.is_superuser:
            kwargs["choices"] = [(k, v) for k, v in C.CAPABILITY_CHOICES if k not in C.PERSONAL_DATA_CAPABILITIES]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

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
