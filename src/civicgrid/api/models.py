"""API credentials and idempotency records.

A token is shown once when issued; only its SHA-256 and a short prefix (to recognise it in a
list) are stored, so a copied database does not leak working credentials. A client application
(an Open311 app, a partner system) acts as its own service user holding an ordinary role seat, so
every jurisdiction rule of the screens applies to it unchanged.
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
    SCOPE_REGION_FIELD = None  # scoped in selectors through the owner's seats

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="api_tokens", verbose_name="用户")
    client = models.ForeignKey(ClientApplication, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="tokens", verbose_name="接入应用")
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
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(user__isnull=False, client__isnull=True)
                           | models.Q(user__isnull=True, client__isnull=False)),
                name="api_token_one_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.owner_label})"

    @property
    def owner_label(self) -> str:
        return f"应用 {self.client.name}" if self.client_id else f"用户 {self.user}"

    @property
    def acting_user(self):
        return self.client.user if self.client_id else self.user

    @property
    def active(self) -> bool:
        return self.revoked_at is None and (not self.client_id or self.client.active)


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
