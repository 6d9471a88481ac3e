from civicgrid.core.scoping import visible_to
from civicgrid.regions.models import Region


def test_street_dispatcher_sees_only_own_street_subtree(territory):
    user = territory.users["dispatcher_A"]
    codes = set(visible_to(user, Region.objects.all()).values_list("code", flat=True))
    assert territory.streets["A"].code in codes
    assert territory.grids["A2b"].code in codes
    assert territory.streets["B"].code not in codes
    assert territory.grids["B1a"].code not in codes
    assert territory.district.code not in codes
    assert len(codes) == 1 + 2 + 4
