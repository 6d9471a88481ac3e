import datetime as dt

import pytest

from civicgrid.people import idnumbers


def ident(seq: int, birth=dt.date(1980, 5, 17), area="110108") -> str:
    return idnumbers.make(area, birth, seq % 1000)


@pytest.fixture
def homes(territory):
    """A building in grid A1a (community A1) and one in B1a, with a room each, and a resident in each."""
    from civicgrid.people import services

    t = territory
    staff_a1, staff_b1 = t.users["staff_A1"], t.users["staff_B1"]
    b_a = services.create_building(staff_a1, community=t.communities["A1"], name="1号楼", address="学院路12号院",
                                   lng=116.005, lat=39.905)
    b_b = services.create_building(staff_b1, community=t.communities["B1"], name="9号楼", address="清华东路3号",
                                   lng=116.025, lat=39.905)
    r_a = services.room_at(staff_a1, b_a, "2单元", "201")
    r_b = services.room_at(staff_b1, b_b, "1单元", "101")
    p_a = services.create_person(staff_a1, {"name": "张建国", "id_number": ident(11), "phone": "13812345678",
                                            "registration": "户籍"}, room=r_a)
    p_b = services.create_person(staff_b1, {"name": "李建华", "id_number": ident(22), "phone": "13998765432"},
                                 room=r_b)
    return {"t": t, "b_a": b_a, "b_b": b_b, "r_a": r_a, "r_b": r_b, "p_a": p_a, "p_b": p_b}
