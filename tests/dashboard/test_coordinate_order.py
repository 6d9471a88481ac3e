"""One coordinate order in map data (13.19): positional pairs are [lng, lat], as in GeoJSON."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from .conftest import report

pytestmark = pytest.mark.django_db


def test_heat_points_are_lng_first(territory, cats, client):
    t = territory
    report(t, cats, where="A1a", now=timezone.now() - dt.timedelta(hours=2), point=(116.0051, 39.9052))
    client.force_login(t.users["commander"])
    data = client.get(f"/dashboard/map/data/?area={t.district.code}&figure=open").json()
    (lng, lat, n), = data["heat"]
    assert 116.0 < lng < 116.01 and 39.9 < lat < 39.91 and n == 1  # lng first: 116…, then 39…
    marker = data["markers"][0]
    assert (round(marker["lng"], 4), round(marker["lat"], 4)) == (116.0051, 39.9052)
