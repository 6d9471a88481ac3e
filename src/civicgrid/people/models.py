"""Base data (基础数据): places, people, households, care and managed groups.

Field names follow GB/T 31000-2015 (社会治安综合治理基础数据规范) where it has one: 实有人口 →
Person (姓名, 性别, 出生日期, 证件类型/证件号码, 联系方式, 户籍类别, 现住址), 实有房屋 → Building /
Room, 单位/场所 → Place.

Personal data at rest: identity numbers and phones are EncryptedTextField (ciphertext only in the
database) with a keyed HMAC hash beside them for exact lookup. Names stay in plaintext: PIPL counts
them as personal but not sensitive data, and a clerk must find "张建国" by typing "建国"; the
search tokens in `name_grams` are derived from the name alone.

Every scoped model carries `region`: the narrowest known node (the grid if the place was located,
else the community), so visible_to() sees it from that node and every node above.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from civicgrid.core.crypto import EncryptedTextField, mask_id_number, mask_name, mask_phone

from . import capabilities as C
from . import tags as T

SEX_CHOICES = [("M", "男"), ("F", "女"), ("U", "未知")]
ID_TYPE_CHOICES = [
    ("resident_id", "居民身份证"),
    ("passport", "护照"),
    ("hk_macao", "港澳居民来往内地通行证"),
    ("taiwan", "台湾居民来往大陆通行证"),
    ("foreign_pr", "外国人永久居留身份证"),
    ("other", "其他证件"),
]
REGISTRATION_CHOICES = [("local", "户籍人口"), ("floating", "流动人口"), ("overseas", "境外人员")]
RELATION_CHOICES = [
    ("head", "户主"), ("spouse", "配偶"), ("child", "子女"), ("parent", "父母"),
    ("grandchild", "孙子女"), ("grandparent", "祖父母/外祖父母"), ("sibling", "兄弟姐妹"),
    ("in_law", "儿媳/女婿"), ("other_relative", "其他亲属"), ("tenant", "租户/非亲属"),
]
AGE_BANDS = ["0-17", "18-34", "35-59", "60-79", "80+"]


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def age_band(age: int | None) -> str:
    if age is None:
        return ""
    if age < 18:
        return "0-17"
    if age < 35:
        return "18-34"
    if age < 60:
        return "35-59"
    if age < 80:
        return "60-79"
    return "80+"


def name_grams(name: str) -> str:
    """Every 1- and 2-character substring of the name, space separated, de-duplicated.

    The search index for names on both databases (see search.py): a fragment of one or two
    characters is one token; a longer fragment is the AND of its bigrams, rechecked with LIKE.
    """
    name = "".join((name or "").split())
    grams = dict.fromkeys(list(name) + [name[i:i + 2] for i in range(len(name) - 1)])
    return " ".join(grams)


def phone_suffix(phone: str) -> str:
    """Last four digits, stored in clear for "尾号" search.

    Acceptable because four digits do not identify anyone: each suffix is shared by one in ten
    thousand numbers, and within a community by dozens of residents. It is never shown alone as
    if it were the phone.
    """
    digits = "".join(c for c in (phone or "") if c.isdigit())
    return digits[-4:] if len(digits) >= 4 else ""


class Building(models.Model):
    """实有房屋 — a building (楼栋) in a community, located in a grid by its point."""

    SCOPE_REGION_FIELD = "region"
    SCOPE_UNIT_AREA = False  # departments do not see the register (core/scoping.py)

    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                                  verbose_name="社区")
    grid = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name="网格")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", editable=False)
    name = models.CharField("楼栋", max_length=60, help_text="如：3号楼")
    address = models.CharField("地址", max_length=200, blank=True, help_text="如：学院路12号院")
    lng = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    floors = models.PositiveSmallIntegerField("层数", null=True, blank=True)
    use = models.CharField("房屋用途", max_length=20, blank=True,
                           choices=[("residential", "住宅"), ("mixed", "商住"), ("bungalow", "平房"),
                                    ("commercial", "商业"), ("other", "其他")])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "楼栋"
        verbose_name_plural = "楼栋"
        ordering = ["community__code", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="people_building_unique_name")]

    def __str__(self) -> str:
        return f"{self.address}{self.name}" if self.address else self.name

    def save(self, *args, **kwargs):
        self.region_id = self.grid_id or self.community_id
        super().save(*args, **kwargs)


class Entrance(models.Model):
    """单元 — an entrance (stairway) of a building. A building without entrances has one named ""."""

    SCOPE_REGION_FIELD = "building__region"
    SCOPE_UNIT_AREA = False  # departments do not see the register (core/scoping.py)

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="entrances", verbose_name="楼栋")
    name = models.CharField("单元", max_length=30, blank=True)

    class Meta:
        verbose_name = "单元"
        verbose_name_plural = "单元"
        ordering = ["building_id", "name"]
        constraints = [models.UniqueConstraint(fields=["building", "name"], name="people_entrance_unique_name")]

    def __str__(self) -> str:
        return f"{self.building}{self.name}"


class Room(models.Model):
    """室 — the address a resident and a household live at."""

    SCOPE_REGION_FIELD = "building__region"
    SCOPE_UNIT_AREA = False  # departments do not see the register (core/scoping.py)

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="rooms", verbose_name="楼栋")
    entrance = models.ForeignKey(Entrance, on_delete=models.CASCADE, related_name="rooms", verbose_name="单元")
    number = models.CharField("室", max_length=20)
    use = models.CharField("居住类型", max_length=20, blank=True,
                           choices=[("owner", "自住"), ("rental", "出租"), ("vacant", "空置"), ("other", "其他")])

    class Meta:
        verbose_name = "房间"
        verbose_name_plural = "房间"
        ordering = ["entrance__name", "number"]
        constraints = [models.UniqueConstraint(fields=["entrance", "number"], name="people_room_unique_number")]

    def __str__(self) -> str:
        return f"{self.building}{self.entrance.name}{self.number}室"

    def save(self, *args, **kwargs):
        self.building_id = self.entrance.building_id
        super().save(*args, **kwargs)


class Household(models.Model):
    """户 — residents living together at a room, with their relation to the head (Person.relation)."""

    SCOPE_REGION_FIELD = "region"
    SCOPE_UNIT_AREA = False  # departments do not see the register (core/scoping.py)

    number = models.CharField("户号", max_length=30, blank=True)
    kind = models.CharField("户别", max_length=10, default="family",
                            choices=[("family", "家庭户"), ("collective", "集体户")])
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.PROTECT, related_name="households",
                             verbose_name="住址")
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="社区")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", editable=False)
    head = models.ForeignKey("Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name="户主")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "户"
        verbose_name_plural = "户"
        constraints = [models.UniqueConstraint(fields=["community", "number"], condition=~Q(number=""),
                                               name="people_household_unique_number")]

    def __str__(self) -> str:
        return f"户 {self.number or self.pk}"

    def save(self, *args, **kwargs):
        self.region_id = (self.room.building.region_id if self.room_id else None) or self.community_id
        super().save(*args, **kwargs)


class PersonQuerySet(models.QuerySet):
    def current(self):
        return self.filter(moved_out__isnull=True, anonymised_at__isnull=True)


class Person(models.Model):
    """实有人口 — a resident (registered, floating or from abroad)."""

    SCOPE_REGION_FIELD = "region"
    SCOPE_UNIT_AREA = False  # departments do not see the register (core/scoping.py)

    name = models.CharField("姓名", max_length=60, db_index=True)
    name_grams = models.TextField(editable=False, default="")
    sex = models.CharField("性别", max_length=1, choices=SEX_CHOICES, default="U")
    birth_date = models.DateField("出生日期", null=True, blank=True)
    id_type = models.CharField("证件类型", max_length=20, choices=ID_TYPE_CHOICES, default="resident_id")
    id_number = EncryptedTextField("证件号码", blank=True, default="")
    id_hash = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    phone = EncryptedTextField("联系电话", blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    phone_suffix = models.CharField(max_length=4, blank=True, default="", db_index=True, editable=False)
    registration = models.CharField("户籍类别", max_length=10, choices=REGISTRATION_CHOICES, default="local")
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="社区")
    grid = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="网格")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", editable=False)
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.PROTECT, related_name="residents",
                             verbose_name="现住址")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="members", verbose_name="所在户")
    relation = models.CharField("与户主关系", max_length=20, choices=RELATION_CHOICES, blank=True)
    moved_in = models.DateField("迁入日期", null=True, blank=True)
    moved_out = models.DateField("迁出日期", null=True, blank=True, db_index=True)
    note = models.TextField("备注", blank=True)
    # Demo and test data: identity numbers pass the check digit but belong to nobody.
    synthetic = models.BooleanField("模拟数据", default=False)
    # After anonymisation only what the statistics need survives (see services.anonymise).
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)
    kept_age_band = models.CharField(max_length=8, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = "居民"
        verbose_name_plural = "居民"
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["id_hash"], condition=~Q(id_hash=""),
                                               name="people_person_unique_identity")]

    def __str__(self) -> str:
        # Masked: this string is what the append-only audit log keeps as the object's label.
        return f"{mask_name(self.name) or '已匿名'}（#{self.pk}）"

    def save(self, *args, **kwargs):
        self.fill_derived()
        super().save(*args, **kwargs)

    def fill_derived(self) -> None:
        """Hashes, phone suffix, search grams and scope: always recomputed from the values."""
        from civicgrid.core.crypto import lookup_hash

        self.name_grams = name_grams(self.name)
        self.id_hash = lookup_hash(f"{self.id_type}:{self.id_number}") if self.id_number else ""
        self.phone_hash = lookup_hash(self.phone) if self.phone else ""
        self.phone_suffix = phone_suffix(self.phone)
        self.region_id = self.grid_id or self.community_id

    @property
    def id_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def age(self) -> int | None:
        return age_on(self.birth_date, dt.date.today()) if self.birth_date else None

    @property
    def age_band(self) -> str:
        return age_band(self.age) if self.birth_date else self.kept_age_band


class PersonTag(models.Model):
    """A care or managed group a person belongs to for a period, with the worker responsible."""

    SCOPE_REGION_FIELD = "person__region"
    SCOPE_UNIT_AREA = False  # departments do not see the register (core/scoping.py)

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tags", verbose_name="居民")
    kind = models.CharField("类别", max_length=30, choices=T.KIND_CHOICES)
    group = models.CharField(max_length=10, choices=list(T.GROUP_LABELS.items()), editable=False, db_index=True)
    start = models.DateField("开始日期")
    end = models.DateField("结束日期", null=True, blank=True)
    reason = models.TextField("事由", blank=True)
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name="责任人")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "人群标签"
        verbose_name_plural = "人群标签"
        ordering = ["end", "-start"]
        constraints = [models.UniqueConstraint(fields=["person", "kind"], condition=Q(end__isnull=True),
                                               name="people_tag_one_open_per_kind")]

    def __str__(self) -> str:
        return self.label

    def save(self, *args, **kwargs):
        self.group = T.KINDS[self.kind].group
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        return T.KINDS[self.kind].label

    @property
    def is_managed(self) -> bool:
        return self.group == T.MANAGED

    @property
    def active(self) -> bool:
        return self.end is None or self.end >= dt.date.today()


class TagEvent(models.Model):
    """Append-only history of a tag: who added, changed or ended it, when, and the values after."""

    SCOPE_REGION_FIELD = "person__region"
    SCOPE_UNIT_AREA = False  # departments do not see the register (core/scoping.py)

    tag = models.ForeignKey(PersonTag, on_delete=models.CASCADE, related_name="events")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tag_events")
    action = models.CharField(max_length=10, choices=[("add", "新增"), ("change", "变更"), ("end", "结束")])
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "标签变更记录"
        verbose_name_plural = "标签变更记录"

    def __str__(self) -> str:
        return f"{self.action_label}标签 {self.at:%Y-%m-%d}" if self.at else f"{self.action_label}标签"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("标签历史只能追加")
        super().save(*args, **kwargs)

    @property
    def action_label(self) -> str:
        return dict(self._meta.get_field("action").choices)[self.action]


class Visit(models.Model):
    """走访 — a grid worker's or clerk's visit or call."""

    SCOPE_REGION_FIELD = "person__region"
    SCOPE_UNIT_AREA = False  # departments do not see the register (core/scoping.py)

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="visits", verbose_name="居民")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    visited_on = models.DateField("走访日期", default=dt.date.today)
    kind = models.CharField("方式", max_length=10, default="home",
                            choices=[("home", "入户"), ("phone", "电话"), ("other", "其他")])
    note = models.TextField("情况记录", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "走访记录"
        verbose_name_plural = "走访记录"
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.visited_on:%Y-%m-%d} {self.get_kind_display()}走访"


PLACE_KIND_CHOICES = [
    ("shop", "商铺"), ("restaurant", "餐饮"), ("school", "学校"), ("clinic", "医疗机构"),
    ("construction", "建筑工地"), ("rental", "出租房屋"), ("key_unit", "重点单位"),
    ("enterprise", "企业"), ("other", "其他"),
]


class Place(models.Model):
    """单位/场所 — a shop, school, clinic, site, rental house or key unit a grid worker inspects."""

    SCOPE_REGION_FIELD = "region"
    SCOPE_UNIT_AREA = False  # departments do not see the register (core/scoping.py)

    kind = models.CharField("类型", max_length=20, choices=PLACE_KIND_CHOICES)
    name = models.CharField("名称", max_length=100)
    address = models.CharField("地址", max_length=200, blank=True)
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="社区")
    grid = models.ForeignKey("regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name="网格")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", editable=False)
    building = models.ForeignKey(Building, null=True, blank=True, on_delete=models.SET_NULL, related_name="places",
                                 verbose_name="所在楼栋")
    lng = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    contact_name = models.CharField("联系人", max_length=60, blank=True)
    contact_phone = EncryptedTextField("联系电话", blank=True, default="")
    key_unit = models.BooleanField("重点单位", default=False)
    last_inspected_on = models.DateField("最近检查", null=True, blank=True, editable=False)
    last_result = models.CharField("最近检查结果", max_length=10, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "单位/场所"
        verbose_name_plural = "单位/场所"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.region_id = self.grid_id or self.community_id
        super().save(*args, **kwargs)

    @property
    def contact_phone_masked(self) -> str:
        return mask_phone(self.contact_phone)


INSPECTION_CHECKS = [
    ("fire_extinguishers_ok", "灭火器配备有效"),
    ("exits_clear", "安全出口、疏散通道畅通"),
    ("electrical_ok", "电气线路无私拉乱接"),
    ("gas_ok", "燃气使用规范"),
    ("no_residence_mixed", "无“三合一”（住人）现象"),
    ("licence_ok", "证照齐全并公示"),
]


class PlaceInspection(models.Model):
    """A safety inspection (安全检查) of a place: the checks a grid worker ticks and what must be fixed."""

    SCOPE_REGION_FIELD = "place__region"
    SCOPE_UNIT_AREA = False  # departments do not see the register (core/scoping.py)

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="inspections")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    inspected_on = models.DateField("检查日期", default=dt.date.today)
    fire_extinguishers_ok = models.BooleanField("灭火器配备有效", default=True)
    exits_clear = models.BooleanField("安全出口、疏散通道畅通", default=True)
    electrical_ok = models.BooleanField("电气线路无私拉乱接", default=True)
    gas_ok = models.BooleanField("燃气使用规范", default=True)
    no_residence_mixed = models.BooleanField("无“三合一”（住人）现象", default=True)
    licence_ok = models.BooleanField("证照齐全并公示", default=True)
    hazards = models.TextField("隐患描述", blank=True)
    rectify_by = models.DateField("整改期限", null=True, blank=True)
    result = models.CharField("结论", max_length=10, choices=[("pass", "合格"), ("rectify", "限期整改")])

    class Meta:
        ordering = ["-inspected_on", "-id"]
        verbose_name = "安全检查"
        verbose_name_plural = "安全检查"

    def __str__(self) -> str:
        return f"{self.inspected_on:%Y-%m-%d} 安全检查（{self.get_result_display() or '未定'}）"


class CapabilityGrant(models.Model):
    """A capability given to one user beyond their roles' defaults (granted by a system admin)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="people_grants",
                             verbose_name="用户")
    capability = models.CharField("权限", max_length=30, choices=C.CAPABILITY_CHOICES)
    reason = models.CharField("授权依据", max_length=300)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name="授权人")
    granted_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "个人信息权限授权"
        verbose_name_plural = "个人信息权限授权"

    def __str__(self) -> str:
        state = "已撤销" if self.revoked_at else "有效"
        return f"{self.user if self.user_id else ''}：{self.get_capability_display()}（{state}）"


class ImportJob(models.Model):
    """One uploaded sheet: mapping, validation, progress and the rejected rows."""

    KIND_CHOICES = [("residents", "居民"), ("households", "户"), ("buildings", "楼栋")]
    MODE_CHOICES = [("all_or_nothing", "全部正确才导入"), ("accept_good", "导入正确行，跳过错误行")]
    STATUS_CHOICES = [("uploaded", "待映射"), ("queued", "排队中"), ("running", "处理中"),
                      ("done", "已完成"), ("rejected", "未导入（有错误行）"), ("failed", "失败")]
    SCOPE_REGION_FIELD = "region"
    SCOPE_UNIT_AREA = False  # departments do not see the register (core/scoping.py)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("导入内容", max_length=20, choices=KIND_CHOICES)
    mode = models.CharField("导入方式", max_length=20, choices=MODE_CHOICES, default="accept_good")
    status = models.CharField(max_length=10, choices=STATUS_CHOICES, default="uploaded")
    phase = models.CharField(max_length=20, blank=True)
    file_path = models.CharField(max_length=300, editable=False)
    original_name = models.CharField(max_length=200)
    headers = models.JSONField(default=list)
    # False when the first row was data (a header-less CSV): headers are then 列1, 列2 … and row 1 is imported.
    has_header = models.BooleanField(default=True)
    mapping = models.JSONField(default=dict)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "导入任务"
        verbose_name_plural = "导入任务"

    def __str__(self) -> str:
        return f"导入{self.get_kind_display()}：{self.original_name}"

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else (100 if self.finished_at else 0)

    @property
    def finished(self) -> bool:
        return self.status in ("done", "rejected", "failed")


class ImportRejection(models.Model):
    """A rejected row: its number in the sheet, every reason, its values with personal data masked,
    and the original values encrypted (shown only to those who may see full numbers)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rejections")
    row_number = models.PositiveIntegerField()
    reasons = models.JSONField(default=list)
    values = models.JSONField(default=dict)
    original = EncryptedTextField(blank=True, default="")

    class Meta:
        ordering = ["row_number"]
        verbose_name = "导入被拒行"
        verbose_name_plural = "导入被拒行"

    def __str__(self) -> str:
        return f"第 {self.row_number} 行未导入"
