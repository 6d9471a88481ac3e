"""Co-governance evaluation: ratings once per rater, published rates, two-way ratings, the third-party
import, and the half-year ranking exact against figures worked out by hand."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicgrid.selfgov import evaluation as E
from civicgrid.selfgov.errors import AlreadyDone
from civicgrid.selfgov.models import GridReview

from .conftest import T0, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def period(world):
    return E.set_period(world.users["commander"], world.district, label="2026年上半年", start=dt.date(2026, 1, 1),
                        end=dt.date(2026, 6, 30), weights={"cases": 40, "visits": 30, "surveys": 30},
                        rewards={"1": "优秀网格（奖励 2000 元）"})


def test_weights_must_sum_to_100_and_are_set_by_the_district(world):
    with pytest.raises(ValidationError, match="之和须为 100"):
        E.set_period(world.users["commander"], world.district, label="x", start=dt.date(2026, 1, 1),
                     end=dt.date(2026, 6, 30), weights={"cases": 50, "visits": 30})
    with pytest.raises(PermissionDenied, match="区指挥中心"):
        E.set_period(world.users["staff_A1"], world.district, label="x", start=dt.date(2026, 1, 1),
                     end=dt.date(2026, 6, 30), weights={"cases": 100})
    with pytest.raises(ValidationError, match="未知"):
        E.check_weights({"bogus": 100})


def test_unit_rates_once_per_rater_and_two_way(world, period):
    police = world.units[("police", "A")]
    a1 = world.communities["A1"]
    for who, score in zip(world.people[:4], (5, 4, 2, 5)):
        E.rate(period, score=score, unit=police, person=who, community=a1, now=T0)
    with pytest.raises(AlreadyDone):
        E.rate(period, score=1, unit=police, person=world.people[0], community=a1, now=T0)
    with pytest.raises(ValidationError, match="本社区"):
        E.rate(period, score=5, unit=world.units[("police", "B")], person=world.people[5], community=a1, now=T0)
    E.rate(period, score=3, unit=police, actor=world.users["staff_A1"], now=T0)  # 块评条
    E.rate(period, score=5, target_region=a1, actor=world.users["urban_A"], now=T0)  # 条评块
    with pytest.raises(PermissionDenied):
        E.rate(period, score=5, target_region=world.communities["B1"], actor=world.users["urban_A"], now=T0)
    [row] = E.unit_rates(period)
    assert row["unit"] == police and row["n"] == 5 and row["satisfied"] == 3 and row["rate"] == Decimal("60.00")
    assert row["by_kind"]["representative"] == [3, 2] and row["by_kind"]["community"] == [1, 0]


def test_third_party_import(world, period, tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text("区域编码,测评机构,样本数,满意数\n"
                    f"{world.grids['A1a'].code},零点调查,50,45\n"
                    f"{world.grids['B1a'].code},零点调查,40,50\n"
                    "999,零点调查,10,5\n", encoding="utf-8")
    saved, problems = E.import_third_party(world.users["commander"], period, path)
    assert saved == 1 and len(problems) == 2 and "第3行" in problems[0] and "第4行" in problems[1]


def test_half_year_ranking_is_exact(world, period, tmp_path):
    """Grid A1a: 4 cases, 3 closed on time → 75.00; 12 residents, 3 visited → 25.00;
    ratings of A1 by departments 5 and 2 (1 of 2 satisfied) + third-party 45 of 50 → 46/52 = 88.46.
    Score = 75.00×40% + 25.00×30% + 88.46×30% = 30.00 + 7.50 + 26.54 = 64.04.
    Grid A1b (same community): no case → 100.00×40% = 40.00; no resident → 0; the community's two
    ratings 1 of 2 → 50.00×30% = 15.00: 55.00, rank 2. Every other grid: 40.00, sharing rank 3."""
    from civicgrid.cases.models import Case
    from civicgrid.people.models import Visit

    g = world.grids["A1a"]
    for i, (closed, overdue) in enumerate([(True, 0), (True, 0), (True, 0), (True, 1)]):
        _case(world, g, i, closed, overdue)
    _case(world, g, 9, True, 0, created=at(2025, 12, 1, 9))  # before the period: not counted
    for p in world.people[:3]:
        Visit.objects.create(person=p, visited_on=dt.date(2026, 2, 1))
    Visit.objects.create(person=world.people[3], visited_on=dt.date(2025, 12, 1))  # outside the period
    E.rate(period, score=5, target_region=world.communities["A1"], actor=world.users["urban_A"], now=T0)
    from tests.factories import make_user
    from civicgrid.core import roles as R

    police = make_user("police_A", R.DEPARTMENT_HANDLER, unit=world.units[("police", "A")])
    E.rate(period, score=2, target_region=world.communities["A1"], actor=police, now=T0)
    path = tmp_path / "s.csv"
    path.write_text(f"区域编码,测评机构,样本数,满意数\n{g.code},零点调查,50,45\n", encoding="utf-8")
    E.import_third_party(world.users["commander"], period, path)

    rows = E.review(world.users["commander"], period)
    top = rows[0]
    assert top.grid == g and top.rank == 1 and top.score == Decimal("64.04")
    assert top.components["cases"]["value"] == "75.00" and top.components["cases"]["points"] == "30.00"
    assert top.components["visits"]["value"] == "25.00" and top.components["visits"]["points"] == "7.50"
    assert top.components["surveys"]["value"] == "88.46" and top.components["surveys"]["points"] == "26.54"
    assert top.reward == "优秀网格（奖励 2000 元）"
    assert "案件按期办结率 75.00% × 40% = 30.00 分" in top.explanation
    second, others = rows[1], rows[2:]
    assert second.grid == world.grids["A1b"] and second.score == Decimal("55.00") and second.rank == 2
    assert others and all(r.score == Decimal("40.00") and r.rank == 3 for r in others)
    assert GridReview.objects.filter(period=period).count() == len(rows)
    with pytest.raises(PermissionDenied):
        E.review(world.users["staff_A1"], period)


def _case(world, grid, i, closed, overdue, created=None):
    from civicgrid.cases.models import Case, Category

    cat, _ = Category.objects.get_or_create(code="01001", defaults=dict(kind="event", major_name="市容环境",
                                                                          name="暴露垃圾"))
    created = created or at(2026, 2, 1 + i, 9)
    return Case.objects.create(
        number=f"T{i:06d}", channel="grid_worker", category=cat, description="x", region=grid, grid=grid,
        community=grid.parent, street=world.streets["A"], district=world.district, created_at=created,
        overdue_count=overdue, closed_at=created + dt.timedelta(days=2) if closed else None,
        state="closed" if closed else "dispatched")
