"""Administrators issue and revoke API tokens and client applications here.

A raw token or api_key is shown once, in the message after saving; only its hash is kept.
"""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q

from civicgrid.core.models import User
from civicgrid.core.scoping import sees_everything, visible_to
from civicgrid.regions.models import Region

from . import services
from .models import ApiToken, ClientApplication


def _visible_regions(user):
    return visible_to(user, Region.objects.all())


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["user", "client", "name"]

    def clean(self):
        data = super().clean()
        if bool(data.get("user")) == bool(data.get("client")):
            raise ValidationError("请选择一个用户或一个接入应用（二选一）。")
        return data


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ["prefix", "owner_label", "name", "created_at", "created_by", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["prefix", "name", "user__username", "client__name"]
    actions = ["revoke"]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("user", "client", "created_by")
        if sees_everything(request.user):
            return qs
        regions = _visible_regions(request.user)
        return qs.filter(Q(client__region__in=regions) | Q(user__roles__region__in=regions)
                         | Q(user__roles__department_unit__region__in=regions)).distinct()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not sees_everything(request.user):
            regions = _visible_regions(request.user)
            kwargs["queryset"] = User.objects.filter(
                Q(roles__region__in=regions) | Q(roles__department_unit__region__in=regions)).distinct()
        if db_field.name == "client" and not sees_everything(request.user):
            kwargs["queryset"] = visible_to(request.user, ClientApplication.objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the row stays as the record of what was issued

    def save_model(self, request, obj, form, change):
        try:
            token, raw = services.issue_token(request.user, user=obj.user, client=obj.client, name=obj.name)
        except (ValidationError, PermissionDenied) as exc:
            raise PermissionDenied(str(exc)) from exc
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
class ClientApplicationAdmin(admin.ModelAdmin):
    form = ClientApplicationForm
    list_display = ["name", "region", "user", "active", "created_at"]
    search_fields = ["name"]
    actions = ["issue_key", "disable", "enable"]

    def get_queryset(self, request):
        return visible_to(request.user, super().get_queryset(request).select_related("region", "user"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "region":
            kwargs["queryset"] = _visible_regions(request.user).filter(level__in=["district", "city"])
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
        messages.warning(request, f"应用“{client.name}”的 api_key（只显示这一次，请立即复制保存）：{raw}")

    @admin.action(description="为所选应用签发新的 api_key")
    def issue_key(self, request, queryset):
        for client in queryset:
            _, raw = services.issue_token(request.user, client=client, name="api_key")
            messages.warning(request, f"应用“{client.name}”的新 api_key（只显示这一次）：{raw}")

    @admin.action(description="停用所选应用")
    def disable(self, request, queryset):
        for client in queryset:
            services.set_client_active(request.user, client, False)

    @admin.action(description="启用所选应用")
    def enable(self, request, queryset):
        for client in queryset:
            services.set_client_active(request.user, client, True)
