from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

from . import roles


class User(AbstractUser):
    display_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("工作电话", max_length=30, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def name(self) -> str:
        return self.display_name or self.username


class Role(models.Model):
    """A role held by a user at one node of the territory tree or at one department unit."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles", verbose_name="用户")
    # Choices come from the role registry (app manifests) at run time: a new role needs no migration.
    role = models.CharField("角色", max_length=30, choices=roles.role_choices)
    region = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="roles", verbose_name="所在区域")
    department_unit = models.ForeignKey("departments.DepartmentUnit", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="roles",
                                        verbose_name="所在部门单位")
    title = models.CharField("职务", max_length=50, blank=True, help_text="如：网格长、专职网格员、民警")
    # Shown on the public grid roster (实名制公示).
    public = models.BooleanField("在网格公示中显示", default=True)

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "角色"
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "region", "department_unit"], name="unique_role_seat"),
        ]

    def __str__(self) -> str:
        where = self.department_unit or self.region
        return f"{roles.label(self.role)} @ {where}"

    @property
    def label(self) -> str:
        return roles.label(self.role)

    def clean(self) -> None:
        if self.role not in roles.ROLE_LABELS:
            raise ValidationError(f"未知角色“{self.role}”：没有任何已安装应用声明它。")
        if roles.is_department_role(self.role):
            if not self.department_unit_id or self.region_id:
                raise ValidationError(f"{self.label}必须设在部门单位，不能设在区域。")
            return
        if not self.region_id or self.department_unit_id:
            raise ValidationError(f"{self.label}必须设在一个区域节点上。")
        allowed = roles.ROLE_LEVELS.get(self.role, set())
        if self.region.level not in allowed:
            level_labels = dict(self.region._meta.get_field("level").choices)
            names = "、".join(level_labels.get(lvl, lvl) for lvl in sorted(allowed))
            raise ValidationError(f"{self.label}只能设在{names}级区域，不能设在{self.region.level_label}。")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: D102
        raise PermissionError(f"{self.model._meta.verbose_name}只能追加，不能修改。")

    def delete(self):  # noqa: D102
        raise PermissionError(f"{self.model._meta.verbose_name}只能追加，不能删除。")


class AppendOnlyModel(models.Model):
    """Rows that are written once and never changed: refused by save() of an existing row, delete(),
    and the queryset's bulk update/delete. The database triggers (core/dbguard.py, installed by each
    such table's migration) refuse the same for every other client."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError(f"{self._meta.verbose_name}只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{self._meta.verbose_name}只能追加，不能删除。")


class AuditEntry(AppendOnlyModel):
    """Append-only: every write made through a service, every reveal or export of personal data.

    Immutable at three depths: save() of an existing row and delete() raise, the queryset's
    bulk update/delete raise, and database triggers (see migrations) refuse UPDATE and DELETE.
    """

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.DO_NOTHING,
                              db_constraint=False, related_name="+", verbose_name="操作人")
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    action = models.CharField("操作", max_length=60, db_index=True)
    object_type = models.CharField("对象类型", max_length=60, blank=True, db_index=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True, db_index=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    detail = models.JSONField("详情", default=dict, blank=True)
    reason = models.CharField("事由", max_length=300, blank=True)
    ip = models.GenericIPAddressField("来源地址", null=True, blank=True)
    # Whose jurisdiction the entry belongs to (core/audit.py region_of): the region of the object,
    # else the region of the actor's seats. Empty: the superuser's alone. No database constraint:
    # the log must outlive any region it names.
    region = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.DO_NOTHING,
                               db_constraint=False, related_name="+", verbose_name="所属区域")

    SCOPE_REGION_FIELD = "region"

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        from .audit_labels import action_label

        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {action_label(self.action)} {self.object_repr}"


class Notification(models.Model):
    """The in-app inbox; SMS copies go through the configured SMS backend. Scoped by its recipient."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=300, blank=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    # The object the notice asks someone to act on ("cases.case", "42"): acting on it marks the notice
    # done (notifications.mark_done), so "请到现场核查" does not stay unread after the verification.
    subject_type = models.CharField("对象类型", max_length=60, blank=True)
    subject_id = models.CharField("对象编号", max_length=64, blank=True)
    done_at = models.DateTimeField("已办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内通知"
        verbose_name_plural = "站内通知"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="notification_subject")]

    def __str__(self) -> str:
        return self.title


class WorkingDayOverride(models.Model):
    """A day whose status differs from what the chinese-calendar package says.

    The package only knows the years published when it was released (the State Council announces
    next year's holidays and make-up working days each November/December). Until the package is
    upgraded, an administrator enters the new year's days here, and deadlines follow at once.
    """

    day = models.DateField("日期", unique=True)
    working = models.BooleanField("是工作日", help_text="勾选：调休上班日；不勾选：放假日")
    note = models.CharField("说明", max_length=100, blank=True, help_text="如：2027 年春节")

    class Meta:
        verbose_name = "节假日调整"
        verbose_name_plural = "节假日调整"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {'上班' if self.working else '放假'} {self.note}".strip()


class LoginThrottle(models.Model):
    """Failed sign-ins counted per client address and per (address, account); see core/throttle.py.

    The key is a keyed hash of the address or pair, so the table holds neither addresses nor
    usernames, and it says nothing about whether an account exists: unknown names count the same.
    """

    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    blocked_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "登录限流"
        verbose_name_plural = "登录限流"

    def __str__(self) -> str:
        return f"登录限流（失败 {self.failures} 次）"
