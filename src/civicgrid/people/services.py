"""Every write to base data. Each function takes the acting user first, checks capability and
jurisdiction, changes in one transaction and writes the audit entry.

Audit details never carry an identity number or phone: they name the fields that changed.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicgrid.core import audit
from civicgrid.core.phones import clean_phone
from civicgrid.core.scoping import is_admin, require_in_scope, require_user_manageable, sees_everything
from civicgrid.regions.models import Region

from . import capabilities as C
from . import tags as T
from .conf import retention_days
from .models import (INSPECTION_CHECKS, Building, CapabilityGrant, Entrance, Household, Person,
                     PersonTag, Place, PlaceInspection, Room, TagEvent, Visit, age_band, age_on)
from .permissions import require_capability, require_region_in_scope
from .validation import clean_person

PERSON_FIELDS = ("name", "sex", "birth_date", "id_type", "id_number", "phone", "registration",
                 "moved_in", "moved_out", "relation")
SENSITIVE_FIELDS = ("id_number", "phone")
REVEALABLE = {"id_number": "证件号码", "phone": "联系电话"}


def _community_of(region: Region) -> Region:
    if region.level == "community":
        return region
    community = region.ancestor_at("community")
    if community is None:
        raise ValidationError("请选择社区或网格")
    return community


# ---------------------------------------------------------------- places

def _locate(community: Region, lng, lat) -> Region | None:
    """The grid of a building's point, through the one location service; it must lie in `community`."""
    from civicgrid.regions import locate

    point = locate.clean_point(lng, lat)
    if point is None:
        return None
    place = locate.at_point(*point)
    if place is None or not place.grid.path.startswith(community.path):
        raise ValidationError("坐标不在所选社区的任何网格内，请核对经纬度")
    return place.grid


@transaction.atomic
def create_building(user, *, community: Region, name: str, address: str = "", lng=None, lat=None,
                    floors=None, use: str = "", grid: Region | None = None) -> Building:
    require_capability(user, C.EDIT)
    require_region_in_scope(user, grid or community)
    name = (name or "").strip()
    if not name:
        raise ValidationError("楼栋名称不能为空")
    if community.level != "community":
        raise ValidationError("楼栋必须属于一个社区")
    located = _locate(community, lng, lat)
    grid = located or grid
    if grid is not None and not grid.path.startswith(community.path):
        raise ValidationError("网格不属于该社区")
    if located is not None:
        require_region_in_scope(user, located)  # a grid worker may not place a building in the next grid
    if Building.objects.filter(community=community, name=name).exists():
        raise ValidationError(f"{community.name}已有楼栋“{name}”")
    b = Building.objects.create(community=community, grid=grid, name=name, address=(address or "").strip(),
                                lng=lng, lat=lat, floors=floors or None, use=use)
    audit.record(user, "building.create", b)
    return b


@transaction.atomic
def room_at(user, building: Building, entrance_name: str, number: str) -> Room:
    """The room at this address, created (with its entrance) if it is not yet in the register."""
    require_capability(user, C.EDIT)
    require_in_scope(user, building)
    number, entrance_name = (number or "").strip(), (entrance_name or "").strip()
    if not number:
        raise ValidationError("室号不能为空")
    # PostgreSQL refuses an over-long value with an error (SQLite would store it): say so first.
    for value, field in ((number, Room._meta.get_field("number")), (entrance_name, Entrance._meta.get_field("name"))):
        if len(value) > field.max_length:
            raise ValidationError(f"{field.verbose_name}不能超过 {field.max_length} 个字")
    entrance, _ = Entrance.objects.get_or_create(building=building, name=entrance_name)
    room = Room.objects.filter(entrance=entrance, number=number).first()
    if room is None:
        room = Room.objects.create(building=building, entrance=entrance, number=number)
        audit.record(user, "room.create", room)
    return room


@transaction.atomic
def create_place(user, *, kind: str, name: str, community: Region, address: str = "", lng=None, lat=None,
                 contact_name: str = "", contact_phone: str = "", key_unit: bool = False,
                 credit_code: str = "", building: Building | None = None, grid: Region | None = None) -> Place:
    require_capability(user, C.EDIT)
    require_region_in_scope(user, grid or community)
    if not (name or "").strip():
        raise ValidationError("名称不能为空")
    contact_phone = clean_phone(contact_phone)
    grid = _locate(community, lng, lat) or (building.grid if building else None) or grid
    require_region_in_scope(user, grid or community)
    place = Place.objects.create(kind=kind, name=name.strip(), community=community, grid=grid, address=address,
                                 lng=lng, lat=lat, contact_name=contact_name, contact_phone=contact_phone,
                                 key_unit=key_unit or kind == "key_unit", credit_code=credit_code,
                                 building=building)
    audit.record(user, "place.create", place)
    return place


@transaction.atomic
def inspect_place(user, place: Place, *, checks: dict[str, bool], hazards: str = "",
                  rectify_by: dt.date | None = None, inspected_on: dt.date | None = None) -> PlaceInspection:
    require_capability(user, C.EDIT)
    require_in_scope(user, place)
    failed = [label for field, label in INSPECTION_CHECKS if not checks.get(field, False)]
    if failed and not rectify_by:
        raise ValidationError("存在不合格项时必须填写整改期限")
    insp = PlaceInspection.objects.create(
        place=place, inspector=user, inspected_on=inspected_on or timezone.localdate(), hazards=hazards,
        rectify_by=rectify_by, result="rectify" if failed else "pass",
        **{field: bool(checks.get(field, False)) for field, _ in INSPECTION_CHECKS})
    Place.objects.filter(pk=place.pk).update(last_inspected_on=insp.inspected_on, last_result=insp.result)
    audit.record(user, "place.inspect", place, detail={"result": insp.result, "failed": failed})
    return insp


# ---------------------------------------------------------------- people

def _raise(errors: list[str]) -> None:
    if errors:
        raise ValidationError(errors)


DUPLICATE_IN_SCOPE = "该证件号码已在登记库中（同一人不能重复登记）"
# Said when the holder lies outside the user's jurisdiction: whether a number is registered
# elsewhere is itself personal data (an existence oracle), so the answer must not tell.
ID_NOT_USABLE = "该证件号码不能使用，请核对后重新填写；如确认无误，请联系上级管理员核实"


class IdNumberConflict(ValidationError):
    """The number belongs to someone the user may not see; audited by the public wrapper."""

    def __init__(self, person: Person):
        super().__init__(ID_NOT_USABLE)
        self.person = person


def duplicate_reason(user, id_hash: str, *, exclude_pk: int | None = None) -> tuple[str, bool] | None:
    """(message, hidden) if the hash is registered: hidden when the holder is outside the user's scope."""
    from civicgrid.core.scoping import visible_to

    if not id_hash:
        return None
    others = Person.objects.filter(id_hash=id_hash).exclude(pk=exclude_pk)
    if not others.exists():
        return None
    if visible_to(user, others).exists():
        return DUPLICATE_IN_SCOPE, False
    return ID_NOT_USABLE, True


def _check_duplicate(user, person: Person) -> None:
    found = duplicate_reason(user, person.id_hash, exclude_pk=person.pk)
    if found is None:
        return
    if found[1]:
        raise IdNumberConflict(person)
    raise ValidationError(found[0])


def _audit_conflict(user, exc: IdNumberConflict, where: str) -> None:
    p = exc.person
    audit.record(user, "person.id_conflict", None, object_type="people.person", object_id=str(p.pk or ""),
                 detail={"where": where, "id": p.id_masked, "community": p.community_id})


def _place_person(person: Person, *, room: Room | None, community: Region | None, grid: Region | None) -> None:
    if room is not None:
        person.room = room
        person.community_id = room.building.community_id
        person.grid_id = room.building.grid_id
    else:
        if community is None:
            raise ValidationError("请选择社区")
        person.community = community
        person.grid = grid


def create_person(user, data: dict[str, Any], **kwargs) -> Person:
    try:
        return _create_person(user, data, **kwargs)
    except IdNumberConflict as exc:  # audited after the rollback, so the entry stays
        _audit_conflict(user, exc, "create")
        raise ValidationError(exc.messages) from None


@transaction.atomic
def _create_person(user, data: dict[str, Any], *, room: Room | None = None, community: Region | None = None,
                   grid: Region | None = None, household: Household | None = None, synthetic: bool = False) -> Person:
    require_capability(user, C.EDIT)
    if room is not None:
        require_in_scope(user, room.building)
    else:
        require_region_in_scope(user, grid or community)
    values, errors = clean_person(data)
    _raise(errors)
    person = Person(**{k: values[k] for k in PERSON_FIELDS}, synthetic=synthetic, note=data.get("note", ""))
    _place_person(person, room=room, community=community, grid=grid)
    if household is not None:
        require_in_scope(user, household)
        person.household = household
    person.fill_derived()
    _check_duplicate(user, person)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:  # registered meanwhile: the same answer as the check above would give
        _check_duplicate(user, person)
        raise ValidationError(DUPLICATE_IN_SCOPE) from None
    if household is not None and values["relation"] == "head" and household.head_id is None:
        Household.objects.filter(pk=household.pk).update(head=person)
    audit.record(user, "person.create", person)
    return person


def update_person(user, person: Person, data: dict[str, Any], **kwargs) -> Person:
    """Correct a record. Fields absent from `data` keep their value; the audit entry lists what changed."""
    try:
        return _update_person(user, person, data, **kwargs)
    except IdNumberConflict as exc:  # audited after the rollback, so the entry stays
        _audit_conflict(user, exc, "update")
        raise ValidationError(exc.messages) from None


@transaction.atomic
def _update_person(user, person: Person, data: dict[str, Any], *, room: Room | None = None,
                   community: Region | None = None, grid: Region | None = None) -> Person:
    require_capability(user, C.EDIT)
    require_in_scope(user, person)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.anonymised_at:
        raise ValidationError("该记录已匿名化，不能修改")
    merged = {k: getattr(person, k) for k in PERSON_FIELDS} | {k: v for k, v in data.items() if k in PERSON_FIELDS}
    values, errors = clean_person(merged)
    _raise(errors)
    changed = [k for k in PERSON_FIELDS if values[k] != getattr(person, k)]
    for k in changed:
        setattr(person, k, values[k])
    if "note" in data and data["note"] != person.note:
        person.note = data["note"]
        changed.append("note")
    if room is not None and room.pk != person.room_id:
        require_in_scope(user, room.building)
        _place_person(person, room=room, community=None, grid=None)
        changed.append("room")
    elif room is None and community is not None and community.pk != person.community_id:
        require_region_in_scope(user, grid or community)
        _place_person(person, room=None, community=community, grid=grid)
        changed.append("community")
    person.fill_derived()
    _check_duplicate(user, person)
    person.save()
    audit.record(user, "person.update", person, detail={"fields": changed})
    return person


@transaction.atomic
def move_out(user, person: Person, on: dt.date, note: str = "") -> Person:
    return update_person(user, person, {"moved_out": on, **({"note": note} if note else {})})


@transaction.atomic
def create_household(user, *, room: Room, number: str = "", kind: str = "family",
                     head: Person | None = None) -> Household:
    require_capability(user, C.EDIT)
    require_in_scope(user, room.building)
    number = (number or "").strip()
    community = room.building.community
    if number and Household.objects.filter(community=community, number=number).exists():
        raise ValidationError(f"户号“{number}”在{community.name}已存在")
    hh = Household.objects.create(number=number, kind=kind, room=room, community=community, head=head)
    if head is not None:
        require_in_scope(user, head)
        Person.objects.filter(pk=head.pk).update(household=hh, relation="head")
    audit.record(user, "household.create", hh)
    return hh


@transaction.atomic
def set_membership(user, person: Person, household: Household | None, relation: str = "") -> Person:
    require_capability(user, C.EDIT)
    require_in_scope(user, person)
    if household is not None:
        require_in_scope(user, household)
    Person.objects.filter(pk=person.pk).update(household=household, relation=relation if household else "")
    if household is not None and relation == "head":
        Household.objects.filter(pk=household.pk).update(head=person)
    audit.record(user, "household.member", person,
                 detail={"household": household.pk if household else None, "relation": relation})
    person.refresh_from_db()
    return person


# ---------------------------------------------------------------- tags

def _require_tag_kind(user, kind: str) -> T.TagKind:
    if kind not in T.KINDS:
        raise ValidationError(f"未知的人群类别“{kind}”")
    k = T.KINDS[kind]
    if k.group == T.MANAGED:
        require_capability(user, C.VIEW_MANAGED)
    return k


def _tag_snapshot(tag: PersonTag) -> dict:
    return {"kind": tag.kind, "start": tag.start.isoformat(), "end": tag.end.isoformat() if tag.end else None,
            "reason": tag.reason, "worker": tag.worker.name if tag.worker_id else ""}


def _tag_event(user, tag: PersonTag, action: str) -> None:
    TagEvent.objects.create(tag=tag, person=tag.person, action=action, actor=user,
                            actor_name=getattr(user, "username", "系统"), data=_tag_snapshot(tag))


@transaction.atomic
def add_tag(user, person: Person, kind: str, *, start: dt.date | None = None, reason: str = "",
            worker=None) -> PersonTag:
    require_capability(user, C.EDIT)
    require_in_scope(user, person)
    k = _require_tag_kind(user, kind)
    if PersonTag.objects.filter(person=person, kind=kind, end__isnull=True).exists():
        raise ValidationError(f"{person.name}已有未结束的“{k.label}”标签")
    tag = PersonTag.objects.create(person=person, kind=kind, start=start or timezone.localdate(),
                                   reason=reason.strip(), worker=worker)
    _tag_event(user, tag, "add")
    audit.record(user, "person.tag.add", person, detail={"kind": kind, "tag": tag.pk})
    return tag


@transaction.atomic
def change_tag(user, tag: PersonTag, *, start: dt.date | None = None, reason: str | None = None,
               worker=...) -> PersonTag:
    require_capability(user, C.EDIT)
    require_in_scope(user, tag.person)
    _require_tag_kind(user, tag.kind)
    tag = PersonTag.objects.select_for_update().get(pk=tag.pk)
    if start is not None:
        tag.start = start
    if reason is not None:
        tag.reason = reason.strip()
    if worker is not ...:
        tag.worker = worker
    if tag.end and tag.end < tag.start:
        raise ValidationError("结束日期不能早于开始日期")
    tag.save()
    _tag_event(user, tag, "change")
    audit.record(user, "person.tag.change", tag.person, detail={"kind": tag.kind, "tag": tag.pk})
    return tag


@transaction.atomic
def end_tag(user, tag: PersonTag, *, end: dt.date | None = None, reason: str = "") -> PersonTag:
    require_capability(user, C.EDIT)
    require_in_scope(user, tag.person)
    _require_tag_kind(user, tag.kind)
    tag = PersonTag.objects.select_for_update().get(pk=tag.pk)
    if tag.end is not None:
        raise ValidationError("该标签已结束")
    tag.end = end or timezone.localdate()
    if tag.end < tag.start:
        raise ValidationError("结束日期不能早于开始日期")
    if reason.strip():
        tag.reason = f"{tag.reason}\n结束：{reason.strip()}".strip()
    tag.save()
    _tag_event(user, tag, "end")
    audit.record(user, "person.tag.end", tag.person, detail={"kind": tag.kind, "tag": tag.pk})
    return tag


@transaction.atomic
def log_visit(user, person: Person, *, kind: str = "home", note: str = "", on: dt.date | None = None) -> Visit:
    require_capability(user, C.EDIT)
    require_in_scope(user, person)
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError("走访日期不能晚于今天")
    v = Visit.objects.create(person=person, worker=user, kind=kind, note=note.strip(), visited_on=on)
    audit.record(user, "person.visit", person, detail={"visit": v.pk, "kind": kind})
    return v


# ---------------------------------------------------------------- protection

def _require_reason(reason: str) -> str:
    from civicgrid.core.reveal import require_reason

    return require_reason(reason)


def record_view(user, person: Person, *, via: str = "") -> None:
    """Opening a person's page or API record is an access to personal data (masked, but still logged)."""
    require_in_scope(user, person)
    audit.record(user, "person.view", person, detail={"via": via} if via else None)


@transaction.atomic
def reveal(user, person: Person, field: str, reason: str) -> str:
    """The full value of one protected field, once, logged with the reason."""
    if field not in REVEALABLE:
        raise ValidationError("该字段不可查看")
    require_in_scope(user, person)
    require_capability(user, C.REVEAL)
    reason = _require_reason(reason)
    from civicgrid.core import reveal as R_

    R_.record(user, "person.reveal", person, [field], reason)
    return getattr(Person.objects.get(pk=person.pk), field)


@transaction.atomic
def subject_access_record(user, person: Person, reason: str) -> dict:
    """Everything held about a person, for that person's own request (PIPL art. 45)."""
    require_in_scope(user, person)
    require_capability(user, C.SUBJECT_ACCESS)
    reason = _require_reason(reason)
    from civicgrid.core.models import AuditEntry
    from civicgrid.core.personal_data import records_for_phone

    p = Person.objects.select_related("room__building", "room__entrance", "community", "grid", "household").get(
        pk=person.pk)
    record = {
        "姓名": p.name, "性别": p.get_sex_display(), "出生日期": p.birth_date.isoformat() if p.birth_date else "",
        "证件类型": p.get_id_type_display(), "证件号码": p.id_number, "联系电话": p.phone,
        "户籍类别": p.get_registration_display(), "社区": p.community.name,
        "网格": p.grid.name if p.grid_id else "", "现住址": str(p.room) if p.room_id else "",
        "户号": p.household.number if p.household_id else "", "与户主关系": p.get_relation_display(),
        "迁入日期": p.moved_in.isoformat() if p.moved_in else "",
        "迁出日期": p.moved_out.isoformat() if p.moved_out else "", "备注": p.note,
        "人群标签": [{"类别": t.label, "开始": t.start.isoformat(), "结束": t.end.isoformat() if t.end else "",
                   "事由": t.reason, "责任人": t.worker.name if t.worker_id else ""} for t in p.tags.all()],
        "走访记录": [{"日期": v.visited_on.isoformat(), "方式": v.get_kind_display(), "记录": v.note}
                 for v in p.visits.all()],
        # What the other apps hold under the same phone (cases reported, hotline calls …), from their
        # manifests' personal-data declarations, inside the requester's jurisdiction.
        "其他业务记录": records_for_phone(user, p.phone, exclude=("people.Person",)) if p.phone else [],
        "访问记录": [{"时间": e.at.isoformat(), "操作人": e.actor_name, "操作": e.action, "事由": e.reason}
                 for e in AuditEntry.objects.filter(object_type="people.person", object_id=str(p.pk))],
        "出具时间": timezone.now().isoformat(),
    }
    audit.record(user, "person.subject_access", person, reason=reason)
    return record


def check_capability_grant(admin, user, capability: str) -> None:
    """Raise PermissionDenied (with the reason) unless `admin` may give `user` this capability."""
    if not is_admin(admin):
        raise PermissionDenied("只有系统管理员可以授权")
    if capability not in C.CAPABILITY_LABELS:
        raise ValidationError("未知权限")
    if user.pk == admin.pk:
        raise PermissionDenied("不能给自己授权：须由另一位有权限的管理员授予（双人原则）。")
    if capability in C.PERSONAL_DATA_CAPABILITIES and not sees_everything(admin):
        raise PermissionDenied(f"“{C.CAPABILITY_LABELS[capability]}”涉及个人信息，只有超级管理员可以授予。")
    require_user_manageable(admin, user)


@transaction.atomic
def grant_capability(admin, user, capability: str, reason: str) -> CapabilityGrant:
    check_capability_grant(admin, user, capability)
    reason = _require_reason(reason)
    g = CapabilityGrant.objects.create(user=user, capability=capability, reason=reason, granted_by=admin)
    audit.record(admin, "people.grant", g, detail={"user": user.username, "capability": capability,
                                                   "granted_by": admin.username}, reason=reason)
    user.__dict__.pop("_people_caps", None)
    return g


@transaction.atomic
def revoke_capability(admin, grant: CapabilityGrant, reason: str = "") -> None:
    # Taking a capability away only lowers risk: any administrator who manages the user may.
    if not is_admin(admin):
        raise PermissionDenied("只有系统管理员可以撤销授权")
    require_user_manageable(admin, grant.user)
    CapabilityGrant.objects.filter(pk=grant.pk).update(revoked_at=timezone.now())
    audit.record(admin, "people.revoke", grant, detail={"user": grant.user.username, "capability": grant.capability},
                 reason=reason)


def export_people(user, people, *, unmasked: bool = False, filters: dict | None = None) -> bytes:
    """An Excel file of `people` (already scoped by a selector). Masked unless the user may and asks."""
    from civicgrid.core.spreadsheet import Xlsx

    if unmasked:
        require_capability(user, C.EXPORT_UNMASKED)
    book = Xlsx().sheet("居民", ["姓名", "性别", "出生日期", "证件类型", "证件号码", "联系电话", "户籍类别", "社区", "网格",
                               "现住址", "迁入日期", "迁出日期"])
    n = 0
    for p in people.select_related("community", "grid", "room__building", "room__entrance").iterator(2000):
        book.append([p.name, p.get_sex_display(), p.birth_date, p.get_id_type_display(),
                     p.id_number if unmasked else p.id_masked, p.phone if unmasked else p.phone_masked,
                     p.get_registration_display(), p.community.name, p.grid.name if p.grid_id else "",
                     str(p.room) if p.room_id else "", p.moved_in, p.moved_out])
        n += 1
    audit.record(user, "person.export", None, object_type="people.person",
                 detail={"rows": n, "masked": not unmasked, "filters": filters or {}})
    return book.to_bytes()


# ---------------------------------------------------------------- retention

def anonymise(person: Person, *, actor=None) -> None:
    """Remove what identifies the person; keep what the statistics count.

    The other apps' copies under the same phone (cases reported, calls, disputes) are anonymised too,
    from their manifests' declarations, once finished — unless someone still in the register shares
    the number (a family phone): then those rows may be theirs and are left alone.
    """
    from civicgrid.core.personal_data import anonymise_for_phone

    elsewhere = {}
    if person.phone_hash and not Person.objects.filter(phone_hash=person.phone_hash, anonymised_at__isnull=True) \
            .exclude(pk=person.pk).exists():
        elsewhere = anonymise_for_phone(person.phone, exclude=("people.Person",))
    band = age_band(age_on(person.birth_date, timezone.localdate())) if person.birth_date else person.kept_age_band
    Person.objects.filter(pk=person.pk).update(
        name="", name_grams="", id_number="", id_hash="", phone="", phone_hash="", phone_suffix="",
        birth_date=None, kept_age_band=band, room=None, household=None, relation="", note="",
        anonymised_at=timezone.now())
    PersonTag.objects.filter(person=person).update(reason="", worker=None)
    TagEvent.objects.filter(person=person).delete()
    Visit.objects.filter(person=person).update(note="")
    Household.objects.filter(head=person).update(head=None)
    audit.record(actor or "系统", "person.anonymise", None, object_type="people.person", object_id=str(person.pk),
                 detail={"other_records": elsewhere} if elsewhere else None)


def anonymise_departed(today: dt.date | None = None) -> int:
    """The scheduled task: anonymise everyone who moved out more than the retention period ago."""
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=retention_days())
    n = 0
    for person in Person.objects.filter(moved_out__lt=cutoff, anonymised_at__isnull=True).iterator(500):
        with transaction.atomic():
            anonymise(person)
        n += 1
    return n



def record_search(user, filters: dict, results: int, *, extra: dict | None = None) -> None:
    """Every search of the register is an access to personal data: log who looked for what.

    A full identity number or a phone typed as the query is logged masked, so the log itself does
    not become a second copy of the register.
    """
    from civicgrid.core.crypto import mask_id_number, mask_phone, normalise

    q = (filters.get("q") or "").strip()
    digits = normalise(q)
    if len(digits) >= 15 and digits[:-1].isdigit():
        shown = mask_id_number(q)
    elif digits.isdigit() and len(digits) >= 7:
        shown = mask_phone(q)
    else:
        shown = q
    other = {k: v for k, v in filters.items() if k != "q" and v}
    audit.record(user, "person.search", None, object_type="people.person",
                 detail={"q": shown, "filters": {k: str(v) for k, v in other.items()}, "results": results,
                         **(extra or {})})
