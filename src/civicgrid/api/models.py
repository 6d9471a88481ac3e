"""API credentials and idempotency records.

Two kinds of machine credential, kept in two tables so that one can never be taken for the other:

- ApiToken: belongs to a person (a user); used as `Authorization: Bearer` on /api/v1 and sees
  exactly what that user's roles see.
- ClientKey: an Open311 `api_key` of a client application (a partner app); accepted only by
  /open311/v2/ to post service requests. /api/v1 refuses it by name.

Either is shown once when issued; only its SHA-256 and a short prefix (to recognise it in a list)
are stored, so a copied database does not leak working credentials. A client application files
its requests as its own service user (a hotline seat at its region, so intake applies the same
jurisdiction rules as for an operator); that user can neither log in nor hold an API token.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models


class ClientApplication(models.Model):
    SCOPE_REGION_FIELD = "region"

    name = models.CharField("应用名称", max_length=100, unique=True)
    contact = models.CharField("联系人/联系方式", max_length=200, blank=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="client_application",
                                verbose_name="服务账号")
    # Where the service user's seat is: its jurisdiction.
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="受理区域")
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "接入应用"
        verbose_name_plural = "接入应用"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A person's token for /api/v1. Scoped in the admin through the owner's seats."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens", verbose_name="用户")
    name = models.CharField("用途", max_length=100, blank=True)
    prefix = models.CharField("前缀", max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("签发时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="签发人")
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="吊销人")

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.owner_label})"

    @property
    def owner_label(self) -> str:
        return f"用户 {self.user}"

    @property
    def acting_user(self):
        return self.user

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ClientKey(models.Model):
    """An Open311 api_key of one client application: posts service requests on /open311/v2/ only."""

    SCOPE_REGION_FIELD = "client__region"

    client = models.ForeignKey(ClientApplication, on_delete=models.CASCADE, related_name="keys",
                               verbose_name="接入应用")
    prefix = models.CharField("前缀", max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("签发时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="签发人")
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="吊销人")

    class Meta:
        verbose_name = "Open311 接入密钥"
        verbose_name_plural = "Open311 接入密钥"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… (应用 {self.client.name})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.client.active


class IdempotencyRecord(models.Model):
    """One create request made with an Idempotency-Key, so a retry replays instead of repeating."""

    credential = models.CharField(max_length=40)  # "token:<id>" or "user:<id>"
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "幂等记录"
        verbose_name_plural = "幂等记录"
        constraints = [models.UniqueConstraint(fields=["credential", "key"], name="idempotency_credential_key")]

    def __str__(self) -> str:
        return f"幂等记录 {self.method} {self.path}（{self.status}）"
