import datetime as dt
import io
import zoneinfo

import pytest
from PIL import Image

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def jpeg(color=(200, 60, 40), size=(64, 48)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "JPEG")
    return buf.getvalue()


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


# A Wednesday well away from holidays: 2026-03-04 10:00.
T0 = at(2026, 3, 4, 10, 0)

# Points inside the test territory's grids (see tests/factories.py).
P_A1a = (116.005, 39.905)
P_A1b = (116.015, 39.905)
P_B1a = (116.025, 39.905)


@pytest.fixture
def cats(db):
    from civicgrid.cases.models import Category

    if not Category.objects.exists():  # a transactional test elsewhere flushed the migration's rows
        load_categories()
    return {c.code: c for c in Category.objects.all()}


@pytest.fixture
def t(territory):
    return territory


def load_categories():
    from civicgrid.cases.shipped import load_categories as load

    load()
