"""Administrators issue and revoke users' API tokens, client applications and their Open311 keys.

A raw token or api_key is shown once, in the message after saving; only its hash is kept.
"""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from civicgrid.core.adminscope import JurisdictionAdmin
from civicgrid.core.models import User
from civicgrid.core.scoping import users_managed_by, visible_to
from civicgrid.regions.models import Region

from . import services
from .models import ApiToken, ClientApplication, ClientKey


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["user", "name"]


@admin.register(ApiToken)
class ApiTokenAdmin(JurisdictionAdmin):
    form = ApiTokenForm
    scope_via_user = "user"
    list_display = ["prefix", "owner_label", "name", "created_at", "created_by", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["prefix", "name", "user__username"]
    actions = ["revoke"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "created_by")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            # Service users of client applications never hold a token: they have their api_key.
            kwargs["queryset"] = users_managed_by(request.user, User.objects.filter(
                is_active=True, client_application__isnull=True))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the row stays as the record of what was issued

    def save_model(self, request, obj, form, change):
        try:
            token, raw = services.issue_token(request.user, user=obj.user, name=obj.name)
        except (ValidationError, PermissionDenied) as exc:
            raise PermissionDenied("；".join(getattr(exc, "messages", [str(exc)]))) from exc
        obj.pk, obj.prefix, obj.token_hash, obj.created_at = token.pk, token.prefix, token.token_hash, token.created_at
        messages.warning(request, f"新令牌（只显示这一次，请立即复制保存）：{raw}")

    @admin.action(description="吊销所选令牌")
    def revoke(self, request, queryset):
        n = 0
        for token in queryset:
            if token.revoked_at is None:
                services.revoke_token(request.user, token, reason="管理后台吊销")
                n += 1
        messages.success(request, f"已吊销 {n} 个令牌。")


class ClientApplicationForm(forms.ModelForm):
    class Meta:
        model = ClientApplication
        fields = ["name", "contact", "region"]


@admin.register(ClientApplication)
class ClientApplicationAdmin(JurisdictionAdmin):
    form = ClientApplicationForm
    list_display = ["name", "region", "user", "active", "created_at"]
    search_fields = ["name"]
    actions = ["issue_key", "disable", "enable"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("region", "user")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "region":
            kwargs["queryset"] = visible_to(request.user, Region.objects.all()).filter(level__in=["district", "city"])
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ["name", "region"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["contact"])
            return
        client, raw = services.create_client(request.user, name=obj.name, region=obj.region, contact=obj.contact)
        obj.pk, obj.user_id, obj.created_at = client.pk, client.user_id, client.created_at
        messages.warning(request, f"应用“{client.name}”的 Open311 api_key（只显示这一次，请立即复制保存）：{raw}")

    @admin.action(description="为所选应用签发新的 Open311 api_key")
    def issue_key(self, request, queryset):
        for client in queryset:
            _, raw = services.issue_client_key(request.user, client)
            messages.warning(request, f"应用“{client.name}”的新 Open311 api_key（只显示这一次）：{raw}")

    @admin.action(description="停用所选应用")
    def disable(self, request, queryset):
        for client in queryset:
            services.set_client_active(request.user, client, False)

    @admin.action(description="启用所选应用")
    def enable(self, request, queryset):
        for client in queryset:
            services.set_client_active(request.user, client, True)


@admin.register(ClientKey)
class ClientKeyAdmin(JurisdictionAdmin):
    """Keys are issued from the application list (one action); here they are seen and revoked."""

    list_display = ["prefix", "client", "created_at", "created_by", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["prefix", "client__name"]
    actions = ["revoke"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("client", "created_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="吊销所选 api_key")
    def revoke(self, request, queryset):
        n = 0
        for key in queryset:
            if key.revoked_at is None:
                services.revoke_client_key(request.user, key, reason="管理后台吊销")
                n += 1
        messages.success(request, f"已吊销 {n} 个 api_key。")
