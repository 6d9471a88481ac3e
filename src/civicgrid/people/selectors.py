"""Every read a user triggers, through visible_to(), with managed-group tags filtered by capability."""
from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from civicgrid.core.models import AuditEntry
from civicgrid.core.scoping import get_visible_or_404, visible_to
from civicgrid.regions.models import Region

from . import capabilities as C
from . import search as S
from . import tags as T
from .models import (AGE_BANDS, Building, Household, ImportJob, Person, PersonTag, Place, Room, TagEvent, Visit,
                     age_band, age_on)
from .permissions import has_capability


def _register(user, queryset: QuerySet) -> QuerySet:
    """The register inside the user's jurisdiction, through the seats that may use it (capabilities.
    REGISTER_ROLES): a department handler's or hotline operator's seat adds nothing, whatever else
    the same user holds."""
    return visible_to(user, queryset, roles=tuple(sorted(C.REGISTER_ROLES)))


def people_for(user) -> QuerySet[Person]:
    return _register(user, Person.objects.all())


def person_for(user, pk: int) -> Person:
    qs = people_for(user).select_related("community", "grid", "room__building", "room__entrance", "household")
    return get_visible_or_404(user, qs, pk=pk)


def buildings_for(user) -> QuerySet[Building]:
    return _register(user, Building.objects.select_related("community", "grid"))


def building_for(user, pk: int) -> Building:
    return get_visible_or_404(user, buildings_for(user), pk=pk)


def rooms_for(user) -> QuerySet[Room]:
    return _register(user, Room.objects.select_related("building", "entrance"))


def room_for(user, pk: int) -> Room:
    return get_visible_or_404(user, rooms_for(user), pk=pk)


def households_for(user) -> QuerySet[Household]:
    return _register(user, Household.objects.all())


def places_for(user) -> QuerySet[Place]:
    return _register(user, Place.objects.select_related("community", "grid"))


def place_for(user, pk: int) -> Place:
    return get_visible_or_404(user, places_for(user), pk=pk)


def communities_for(user) -> QuerySet[Region]:
    return visible_to(user, Region.objects.filter(level="community"))


def areas_for(user) -> QuerySet[Region]:
    """Communities and grids in scope: where a building or place can be registered."""
    return visible_to(user, Region.objects.filter(level__in=["community", "grid"])).select_related("parent").order_by(
        "path")


def grids_for(user) -> QuerySet[Region]:
    return visible_to(user, Region.objects.filter(level="grid"))


def tag_kinds_for(user) -> list[T.TagKind]:
    managed = has_capability(user, C.VIEW_MANAGED)
    return [k for k in T.KINDS.values() if managed or k.group == T.CARE]


def tags_for(user) -> QuerySet[PersonTag]:
    """Tags in the user's jurisdiction; managed-group tags only with the capability to see them."""
    qs = _register(user, PersonTag.objects.select_related("worker"))
    if not has_capability(user, C.VIEW_MANAGED):
        qs = qs.exclude(group=T.MANAGED)
    return qs


def tags_of(user, person: Person) -> list[PersonTag]:
    return list(tags_for(user).filter(person=person))


def tag_history_of(user, person: Person) -> list[TagEvent]:
    qs = _register(user, TagEvent.objects.filter(person=person).select_related("tag"))
    if not has_capability(user, C.VIEW_MANAGED):
        qs = qs.exclude(tag__group=T.MANAGED)
    return list(qs)


def tag_for(user, pk: int) -> PersonTag:
    tag = tags_for(user).filter(pk=pk).select_related("person").first()
    if tag is None:
        raise Http404("标签不存在或不在您的管辖范围内")
    return tag


def visits_of(user, person: Person) -> QuerySet[Visit]:
    return _register(user, Visit.objects.filter(person=person).select_related("worker"))


def access_history_of(user, person: Person) -> QuerySet[AuditEntry]:
    """Who looked at or changed this person — shown on the person page (in scope is enough)."""
    person_for(user, person.pk)
    return AuditEntry.objects.filter(object_type="people.person", object_id=str(person.pk))


def search_people(user, q: str = "", *, community: int | None = None, grid: int | None = None,
                  tag: str = "", registration: str = "", include_moved_out: bool = False) -> QuerySet[Person]:
    qs = people_for(user).filter(anonymised_at__isnull=True)
    if not include_moved_out:
        qs = qs.filter(moved_out__isnull=True)
    if q:
        qs = S.search(qs, q, rooms_for(user))
    if community:
        qs = qs.filter(community_id=community)
    if grid:
        qs = qs.filter(grid_id=grid)
    if registration:
        qs = qs.filter(registration=registration)
    if tag:
        if tag not in {k.code for k in tag_kinds_for(user)}:
            return qs.none()
        qs = qs.filter(pk__in=PersonTag.objects.filter(kind=tag, end__isnull=True).values("person_id"))
    return qs.select_related(*PERSON_ROW_RELATED)


PERSON_ROW_RELATED = ("community", "grid", "room__building", "room__entrance")  # what a register row shows


def people_by_id(ids: list[int]) -> dict[int, Person]:
    """A register page's residents with what a row shows (paging.window's `fetch`; the ids came from
    search_people, inside the user's jurisdiction). Joined for the page's 30 rows only: joined in the
    search, a common surname (王, 9,600 of a million residents) looked up four regions and a room
    for every match before the page was cut (at 1M residents 50 of the query's 75 ms)."""
    return Person.objects.select_related(*PERSON_ROW_RELATED).in_bulk(ids)


def care_list(user, grid: int | None = None, today: dt.date | None = None) -> list[dict]:
    """Open care (and, with the capability, managed) tags whose visit rhythm is overdue, worst first."""
    today = today or timezone.localdate()
    tags = tags_for(user).filter(end__isnull=True, person__moved_out__isnull=True,
                                 person__anonymised_at__isnull=True)
    if grid:
        tags = tags.filter(person__grid_id=grid)
    tags = tags.select_related("person__room__building", "person__room__entrance", "person__grid").annotate(
        last_visit=Max("person__visits__visited_on"))
    rows = []
    for t in tags:
        due_days = T.KINDS[t.kind].visit_days
        last = t.last_visit
        overdue = (today - last).days - due_days if last else (today - t.start).days
        if last is None or overdue >= 0:
            rows.append({"tag": t, "person": t.person, "last_visit": last, "overdue_days": max(overdue, 0),
                         "due_days": due_days})
    rows.sort(key=lambda r: (r["last_visit"] is not None, -r["overdue_days"]))
    return rows


def population_stats(user) -> dict:
    """Counts that survive anonymisation: age band, sex, community, registration, tag kinds."""
    today = timezone.localdate()
    qs = people_for(user)
    by_band: Counter = Counter()
    for birth, kept in qs.values_list("birth_date", "kept_age_band").iterator(5000):
        by_band[age_band(age_on(birth, today)) if birth else (kept or "未知")] += 1
    return {
        "total": qs.count(),
        "age_band": {b: by_band.get(b, 0) for b in AGE_BANDS} | ({"未知": by_band["未知"]} if by_band["未知"] else {}),
        "sex": dict(qs.values_list("sex").annotate(n=Count("pk")).order_by()),
        "community": dict(qs.values_list("community__name").annotate(n=Count("pk")).order_by()),
        "registration": dict(qs.values_list("registration").annotate(n=Count("pk")).order_by()),
        "tags": dict(tags_for(user).values_list("kind").annotate(n=Count("pk")).order_by()),
    }


def jobs_for(user) -> QuerySet[ImportJob]:
    return _register(user, ImportJob.objects.filter(created_by=user))


def job_for(user, pk: int) -> ImportJob:
    return get_visible_or_404(user, jobs_for(user), pk=pk)


def buildings_overview(user, grid: int | None = None) -> QuerySet[Building]:
    qs = buildings_for(user)
    if grid:
        qs = qs.filter(grid_id=grid)
    return qs.annotate(n_rooms=Count("rooms", distinct=True),
                       n_people=Count("rooms__residents", filter=Q(rooms__residents__moved_out__isnull=True),
                                      distinct=True)).order_by("community__code", "name")


def linked_cases(user, person: Person, limit: int = 20) -> list:
    """Cases raised from this person's phone or at their building, within the user's case scope."""
    from django.apps import apps

    try:
        Case = apps.get_model("cases", "Case")
    except LookupError:
        return []
    q = Q(pk__in=[])
    if person.phone_hash and hasattr(Case, "requester_phone_hash"):
        q |= Q(requester_phone_hash=person.phone_hash)
    if person.room_id and person.room.building.address:
        b = person.room.building
        q |= Q(address__contains=b.address) & Q(address__contains=b.name)
    return list(visible_to(user, Case.objects.filter(q)).order_by("-created_at")[:limit])
