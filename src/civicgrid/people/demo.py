"""Synthetic residents for the demo district (`civicgrid seed-people`).

Everything here is invented and marked: Person.synthetic is true, and identity numbers carry the
demo district's address code 990102 — "99" is no province, so no real person can hold one — while
still passing the GB 11643 check digit. Ages follow a city pyramid (fewer children, a bulge at
30–60, a long tail to 95), households are 1–6 people with plausible relations, and the care and
managed groups appear at roughly the rates community workers report.

Written with bulk_create and one audit entry for the run: 20,000 service calls with an audit row
each would take minutes and bury the log, and nothing here is anybody's data.
"""
from __future__ import annotations

import datetime as dt
import random

import shapely
from django.db import transaction
from shapely.geometry import shape

from civicgrid.core import audit
from civicgrid.regions.models import Region

from . import idnumbers
from . import tags as T
from .models import Building, Entrance, Household, Person, PersonTag, Room, TagEvent, Visit, age_on

DEMO_DISTRICT = "990102"
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔汤庞")
COMPOUND = ["欧阳", "司马", "上官", "诸葛"]
GIVEN_M = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆晨建国志红文博子轩宏振海峰亮永东林成"
GIVEN_F = "芳娜敏静丽艳娟霞秀英玲桂兰萍婷雪琳晶欣怡梅莉燕丹红慧倩颖佳宁悦思雨嘉琪梓涵"
ROAD = ["青禾路", "学府路", "丰收大街", "滨河路", "长乐街", "安康路", "和平里", "光明巷", "新华路", "春晖路"]


def _name(rng: random.Random, sex: str, surname: str | None = None) -> str:
    surname = surname or (rng.choice(COMPOUND) if rng.random() < 0.01 else rng.choice(SURNAMES))
    pool = GIVEN_M if sex == "M" else GIVEN_F
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return surname + given


def _age(rng: random.Random, lo: int = 0, hi: int = 95) -> int:
    while True:
        a = int(rng.triangular(0, 95, 42))
        if lo <= a <= hi:
            return a


def _birth(rng: random.Random, age: int, today: dt.date) -> dt.date:
    return today - dt.timedelta(days=age * 365 + rng.randint(0, 364))


def _phone(rng: random.Random) -> str:
    return rng.choice(["13", "15", "17", "18", "19"]) + str(rng.randint(0, 9)) + f"{rng.randint(0, 99999999):08d}"


def _point_in(geom, rng: random.Random) -> tuple[float, float]:
    minx, miny, maxx, maxy = geom.bounds
    for _ in range(200):
        p = shapely.Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if geom.contains(p):
            return p.x, p.y
    p = geom.representative_point()
    return p.x, p.y


def seed(residents: int = 20000, seed: int = 7, today: dt.date | None = None) -> dict:
    rng = random.Random(seed)
    today = today or dt.date.today()
    district = Region.objects.filter(code=DEMO_DISTRICT).first()
    if district is None:
        raise RuntimeError("没有演示辖区：请先运行 civicgrid seed-demo")
    grids = list(Region.objects.filter(level="grid", path__startswith=district.path, geometry__isnull=False)
                 .select_related("parent").order_by("code"))
    if not grids:
        raise RuntimeError("演示辖区没有网格")
    used_ids: set[str] = set()

    def ident(birth: dt.date, sex: str) -> str:
        while True:
            seq = rng.randrange(0, 500) * 2 + (1 if sex == "M" else 0)
            number = idnumbers.make(DEMO_DISTRICT, birth, seq)
            if number not in used_ids:
                used_ids.add(number)
                return number

    per_grid = max(1, residents // len(grids))
    counts = {"buildings": 0, "rooms": 0, "households": 0, "residents": 0, "tags": 0}
    with transaction.atomic():
        people_all: list[Person] = []
        for gi, grid in enumerate(grids):
            community = grid.parent
            geom = shape(grid.geometry)
            target = per_grid + (1 if gi < residents - per_grid * len(grids) else 0)
            made = 0
            bno = 0
            while made < target:
                bno += 1
                lng, lat = _point_in(geom, rng)
                road = rng.choice(ROAD)
                b = Building(community=community, grid=grid, name=f"{grid.code[-3:]}-{bno}号楼",
                             address=f"{road}{rng.randint(1, 300)}号", lng=lng, lat=lat,
                             floors=rng.choice([6, 6, 7, 11, 18, 24]), use="residential")
                b.region_id = grid.pk
                b.save()
                counts["buildings"] += 1
                for e in range(1, rng.choice([2, 3, 4]) + 1):
                    ent = Entrance.objects.create(building=b, name=f"{e}单元")
                    for floor in range(1, b.floors + 1):
                        for door in (1, 2):
                            if made >= target:
                                break
                            room = Room.objects.create(building=b, entrance=ent, number=f"{floor}{door:02d}",
                                                       use=rng.choices(["owner", "rental", "vacant"], [70, 22, 8])[0])
                            counts["rooms"] += 1
                            if room.use == "vacant":
                                continue
                            members = _household(rng, today, ident)
                            members = members[:max(1, target - made)]
                            hh = Household.objects.create(number=f"{community.code[-6:]}-{room.pk}", room=room,
                                                          community=community)
                            counts["households"] += 1
                            floating = room.use == "rental" and rng.random() < 0.8
                            for m in members:
                                p = Person(community=community, grid=grid, room=room, household=hh, synthetic=True,
                                           registration=("floating" if floating else
                                                         rng.choices(["local", "floating", "overseas"], [88, 10, 2])[0]),
                                           moved_in=today - dt.timedelta(days=rng.randint(30, 20 * 365)), **m)
                                if p.moved_in < p.birth_date:
                                    p.moved_in = p.birth_date
                                if p.registration == "overseas":
                                    p.id_type, p.id_number = "passport", f"E{rng.randint(10 ** 7, 10 ** 8 - 1)}"
                                if rng.random() < 0.03:
                                    p.moved_out = today - dt.timedelta(days=rng.randint(30, 5 * 365))
                                p.fill_derived()
                                people_all.append(p)
                                made += 1
            if len(people_all) > 5000:
                counts["residents"] += _flush(people_all)
                people_all = []
        counts["residents"] += _flush(people_all)
        counts["tags"] = _tags(rng, district, today)
        audit.record("系统", "people.demo_seed", None, detail=counts)
    return counts


def _household(rng: random.Random, today: dt.date, ident) -> list[dict]:
    size = rng.choices([1, 2, 3, 4, 5, 6], [22, 30, 26, 12, 7, 3])[0]
    head_sex = "M" if rng.random() < 0.6 else "F"
    head_age = _age(rng, 22, 95) if size > 1 else _age(rng, 20, 95)
    surname = rng.choice(SURNAMES)
    out = []

    def member(sex, age, relation, same_surname=True):
        birth = _birth(rng, age, today)
        out.append({"name": _name(rng, sex, surname if same_surname else None), "sex": sex, "birth_date": birth,
                    "id_number": ident(birth, sex), "relation": relation,
                    "phone": _phone(rng) if age >= 14 else ""})

    member(head_sex, head_age, "head")
    if size >= 2:
        member("F" if head_sex == "M" else "M", max(20, min(95, head_age + rng.randint(-5, 5))), "spouse", False)
    for _ in range(size - 2):
        if head_age > 60 and rng.random() < 0.3:
            member(rng.choice("MF"), max(0, head_age - rng.randint(50, 60)), "grandchild")
        elif head_age < 60 and rng.random() < 0.25:
            member(rng.choice("MF"), min(95, head_age + rng.randint(22, 32)), "parent", False)
        else:
            member(rng.choice("MF"), max(0, head_age - rng.randint(20, 35)), "child")
    return out


def _flush(people: list[Person]) -> int:
    Person.objects.bulk_create(people, batch_size=1000)
    heads = [(p.household_id, p.pk) for p in people if p.relation == "head" and p.household_id]
    for hh, pk in heads:
        Household.objects.filter(pk=hh).update(head_id=pk)
    return len(people)


def _tags(rng: random.Random, district: Region, today: dt.date) -> int:
    """Care groups from age and household; managed groups at low rates; a visit history for some."""
    people = list(Person.objects.filter(region__path__startswith=district.path, synthetic=True, moved_out__isnull=True)
                  .values_list("pk", "birth_date", "household_id", "registration"))
    sizes: dict[int, int] = {}
    for _, _, hh, _ in people:
        sizes[hh] = sizes.get(hh, 0) + 1
    tags: list[PersonTag] = []
    for pk, birth, hh, registration in people:
        age = age_on(birth, today)
        start = today - dt.timedelta(days=rng.randint(30, 3 * 365))
        kinds = []
        if age >= 80:
            kinds.append("very_old")
        if age >= 65 and sizes.get(hh) == 1:
            kinds.append("elderly_alone")
        elif age >= 65 and sizes.get(hh) == 2 and rng.random() < 0.5:
            kinds.append("empty_nest")
        if rng.random() < 0.015:
            kinds.append("disabled")
        if rng.random() < 0.01:
            kinds.append("low_income")
        if age < 16 and registration == "local" and rng.random() < 0.03:
            kinds.append("left_behind_child")
        if 18 <= age <= 60:
            r = rng.random()
            if r < 0.001:
                kinds.append("community_correction")
            elif r < 0.002:
                kinds.append("released_prisoner")
            elif r < 0.003:
                kinds.append("drug_rehab")
            elif r < 0.005:
                kinds.append("mental_illness")
        if 12 <= age <= 25 and rng.random() < 0.003:
            kinds.append("at_risk_youth")
        for k in kinds:
            tags.append(PersonTag(person_id=pk, kind=k, start=start, reason="演示数据"))
    for t in tags:
        t.group = T.KINDS[t.kind].group  # bulk_create skips save(), which sets it
    PersonTag.objects.bulk_create(tags, batch_size=1000)
    created = list(PersonTag.objects.filter(person__synthetic=True, reason="演示数据"))
    TagEvent.objects.bulk_create([TagEvent(tag=t, person_id=t.person_id, action="add", actor_name="系统",
                                           data={"kind": t.kind, "start": t.start.isoformat(), "end": None,
                                                 "reason": t.reason, "worker": ""}) for t in created], batch_size=1000)
    visits = [Visit(person_id=t.person_id, visited_on=today - dt.timedelta(days=rng.randint(0, 40)),
                    note="演示：身体状况良好，无特殊需求") for t in created if rng.random() < 0.6]
    Visit.objects.bulk_create(visits, batch_size=1000)
    return len(tags)
