"""The public grid roster reads the workforce's phone-disclosure rule per staff type: the work phone
in clear, masked, or not at all; masked by default; a private phone never appears."""
from __future__ import annotations

import pytest
from django.urls import reverse

from civicgrid.core.models import Role

pytestmark = pytest.mark.django_db

WORK_PHONE = "13800000100"  # worker_A1a's work phone (tests/factories.py)
PRIVATE_PHONE = "13912345678"


@pytest.fixture
def seat(territory):
    """worker_A1a's seat with a workforce profile, and the same person registered as a volunteer
    with their private mobile (personal data the roster must never show)."""
    from civicgrid.workforce import services
    from civicgrid.workforce.models import StaffType

    t = territory
    st = StaffType.objects.create(code="grid_worker", name="专职网格员")
    s = Role.objects.get(user=t.users["worker_A1a"], region=t.grids["A1a"])
    profile = services.onboard(t.users["staff_A1"], s, staff_type=st, employer="A街道办事处")
    services.register_volunteer(grid=t.grids["A1a"], name="worker_A1a", phone=PRIVATE_PHONE, consent=True)
    return {"t": t, "type": st, "profile": profile}


def _worker(client, t):
    data = client.get(reverse("regions:public_roster", args=[t.grids["A1a"].code]))
    assert data.status_code == 200
    return next(p for p in data.json()["people"] if p["name"] == "worker_A1a"), data.content.decode()


def _page(client, t) -> str:
    return client.get(reverse("regions:roster"), {"grid": t.grids["A1a"].code}).content.decode()


def test_the_default_rule_masks_the_work_phone(seat, client):
    from civicgrid.workforce.models import StaffType

    assert StaffType(code="x", name="新类型").contact_rule == "masked"
    person, body = _worker(client, seat["t"])
    assert person["phone"] == "138****0100" and WORK_PHONE not in body and PRIVATE_PHONE not in body
    html = _page(client, seat["t"])
    assert "138****0100" in html and f"tel:{WORK_PHONE}" not in html and WORK_PHONE not in html
    assert 'href="tel:138' not in html  # a masked number is no link to dial


def test_a_type_whose_phones_are_public_shows_them_in_clear(seat, client):
    seat["type"].contact_rule = "public"
    seat["type"].save()
    person, body = _worker(client, seat["t"])
    assert person["phone"] == WORK_PHONE and PRIVATE_PHONE not in body
    assert f'href="tel:{WORK_PHONE}"' in _page(client, seat["t"])


def test_a_hidden_type_shows_no_phone_at_all(seat, client):
    seat["type"].contact_rule = "hidden"
    seat["type"].save()
    person, body = _worker(client, seat["t"])
    assert person["phone"] == "" and "****0100" not in body and WORK_PHONE not in body and PRIVATE_PHONE not in body
    assert set(person) == {"name", "role", "title", "phone", "serves_from"}  # the shape is unchanged
    html = _page(client, seat["t"])
    assert "worker_A1a" in html and "****0100" not in html and WORK_PHONE not in html


def test_the_profiles_own_override_wins_over_the_type(seat, client):
    profile = seat["profile"]
    profile.show_phone = False  # the type masks; this person asked for no phone at all
    profile.save()
    assert _worker(client, seat["t"])[0]["phone"] == ""
    profile.show_phone = True
    profile.save()
    assert _worker(client, seat["t"])[0]["phone"] == WORK_PHONE


def test_a_private_phone_never_appears_under_any_rule(seat, client):
    for rule in ("public", "masked", "hidden"):
        seat["type"].contact_rule = rule
        seat["type"].save()
        _, body = _worker(client, seat["t"])
        html = _page(client, seat["t"])
        assert PRIVATE_PHONE not in body and PRIVATE_PHONE not in html and "139****5678" not in body, rule


def test_the_roster_asks_one_query_for_every_seats_rule(seat, client, django_assert_max_num_queries):
    from civicgrid.regions import roster

    # The grid's community and street, the seats, the profiles with their types: not one per person.
    with django_assert_max_num_queries(4):
        people = roster.people_for(seat["t"].grids["A1a"])
    assert len(people) >= 3
