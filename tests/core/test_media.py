"""Uploaded photos are served only to those allowed to see them (core/media.py and its checks)."""
import pytest
from django.urls import reverse

from civicgrid.cases import services as S
from tests.cases.conftest import P_A1a, jpeg, load_categories


@pytest.fixture
def photo_case(territory, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    from civicgrid.cases.models import Category

    if not Category.objects.exists():
        load_categories()
    worker = territory.users["worker_A1a"]
    # 09006 占道经营: an event class, so Open311 publishes its first photo.
    case = S.intake(worker, channel="grid_worker", category=Category.objects.get(code="09006"),
                    description="占道经营", lng=P_A1a[0], lat=P_A1a[1], photos=[jpeg(), jpeg((1, 2, 3))])
    atts = list(case.events.get(seq=1).attachments.order_by("id"))
    return case, atts


def url(field):
    return reverse("media", args=[field.name])


def test_staff_in_jurisdiction_get_the_photo_others_do_not(photo_case, territory, client):
    case, (first, second) = photo_case
    client.force_login(territory.users["dispatcher_A"])
    resp = client.get(url(second.image))
    assert resp.status_code == 200 and resp["Content-Type"] == "image/jpeg"
    assert b"".join(resp.streaming_content)[:2] == b"\xff\xd8"
    client.force_login(territory.users["dispatcher_B"])
    assert client.get(url(second.image)).status_code == 404
    assert client.get(url(second.thumbnail)).status_code == 404


def test_anonymous_gets_only_the_photo_open311_publishes(photo_case, client):
    case, (first, second) = photo_case
    assert client.get(url(first.image)).status_code == 200  # the request's media_url
    assert client.get(url(second.image)).status_code == 404
    assert client.get(reverse("media", args=["cases/../../etc/passwd"])).status_code == 404
    assert client.get(reverse("media", args=["reports/nothing.xlsx"])).status_code == 404


def test_social_governance_photos_are_never_public(territory, settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path / "media"
    from civicgrid.cases.models import Category

    if not Category.objects.exists():
        load_categories()
    social = Category.objects.filter(kind="social").first()
    case = S.intake(territory.users["worker_A1a"], channel="grid_worker", category=social, description="邻里纠纷",
                    lng=P_A1a[0], lat=P_A1a[1], photos=[jpeg()])
    att = case.events.get(seq=1).attachments.get()
    assert client.get(url(att.image)).status_code == 404
