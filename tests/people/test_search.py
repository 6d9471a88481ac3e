"""Search by name fragment (1, 2, 3+ characters), phone suffix, full phone, identity, address."""
import pytest
from django.db import connection

from civicgrid.people import search, selectors, services
from civicgrid.people.models import Person

from .conftest import ident


def names(user, q):
    return sorted(p.name for p in selectors.search_people(user, q))


@pytest.fixture
def crowd(homes):
    staff = homes["t"].users["staff_A1"]
    for i, n in enumerate(["欧阳建国", "王国建", "张伟", "建"]):
        services.create_person(staff, {"name": n, "id_number": ident(300 + i)}, room=homes["r_a"])
    return homes


def test_fragments_of_every_length(crowd):
    u = crowd["t"].users["commander"]
    assert names(u, "张") == ["张伟", "张建国"]
    assert names(u, "建") == ["建", "张建国", "李建华", "欧阳建国", "王国建"]
    assert names(u, "建国") == ["张建国", "欧阳建国"]
    assert names(u, "国建") == ["王国建"]
    assert names(u, "阳建国") == ["欧阳建国"]
    assert names(u, "欧阳建国") == ["欧阳建国"]
    assert names(u, "建国张") == []  # bigrams 建国 and 国张: 国张 is in nobody's name
    assert names(u, "张 建国") == ["张建国"]  # spaces typed by a clerk are ignored
    assert names(u, '"建') == []  # FTS syntax characters are quoted, never an error


def test_search_scoped(crowd):
    assert names(crowd["t"].users["staff_B1"], "建") == ["李建华"]
    assert names(crowd["t"].users["worker_A2a"], "建") == []


def test_identity_phone_and_address(crowd):
    u = crowd["t"].users["commander"]
    assert names(u, ident(22)) == ["李建华"]
    assert names(u, ident(22).lower()[:-1] + ident(22)[-1].lower()) == ["李建华"]
    assert names(u, "139 9876 5432") == ["李建华"]
    assert names(u, "5432") == ["李建华"]
    assert names(u, "学院路12号院") == sorted(["张建国", "欧阳建国", "王国建", "张伟", "建"])
    assert names(u, "9号楼1单元101") == ["李建华"]
    assert names(u, "0000") == []


def test_index_follows_renames_and_anonymisation(crowd):
    staff = crowd["t"].users["staff_A1"]
    p = crowd["p_a"]
    services.update_person(staff, p, {"name": "张卫东"})
    u = crowd["t"].users["commander"]
    assert "张卫东" in names(u, "卫东") and "张卫东" not in names(u, "建国")
    services.anonymise(Person.objects.get(pk=p.pk))
    assert names(u, "卫东") == []


def test_grams():
    from civicgrid.people.models import name_grams

    assert name_grams("张建国") == "张 建 国 张建 建国"
    assert search.grams_for_query("欧阳建国") == ["欧阳", "阳建", "建国"]


@pytest.mark.postgres
def test_postgres_uses_the_gram_index(crowd):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    qs = Person.objects.filter(search.name_q("建国"))
    with connection.cursor() as cur:
        cur.execute("SET enable_seqscan = off")
        plan = qs.explain()
        cur.execute("SET enable_seqscan = on")
    assert "people_person_grams_gin" in plan
