"""Objects for the jurisdiction matrix (people/manifest.py routes): the same set in street A and in street B."""
from __future__ import annotations

import datetime as dt


def objects(t) -> dict:
    from . import idnumbers, services
    from .models import ImportJob

    out = {}
    for side, key, n, name in (("in", "A1", 21, "李建华"), ("out", "B1", 22, "王建国")):
        staff, comm, grid = t.users[f"staff_{key}"], t.communities[key], t.grids[f"{key}a"]
        b = services.create_building(staff, community=comm, name="9号楼", address=f"{key}路3号",
                                     lng=grid.label_lng, lat=grid.label_lat)
        room = services.room_at(staff, b, "1单元", "101")
        person = services.create_person(staff, {"name": name, "id_number": idnumbers.make("110108", dt.date(1980, 5, 17), n),
                                                "phone": f"139987654{n}"}, room=room)
        tag = services.add_tag(staff, person, "elderly_alone", reason="独居")
        place = services.create_place(staff, kind="shop", name=f"{key}便利店", community=comm, grid=grid)
        job = ImportJob.objects.create(created_by=staff, region=comm, kind="residents", file_path="",
                                       original_name="居民.xlsx", status="done")
        out.update({f"building_{side}": b, f"room_{side}": room, f"person_{side}": person, f"tag_{side}": tag,
                    f"place_{side}": place, f"job_{side}": job})
    return out
