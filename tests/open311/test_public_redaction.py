"""Issue 11 item 8: the public GeoReport feed never shows a phone or identity number, in any text
field or format; the case number and dates stay whole."""
import re

import pytest

from tests.hotline.helpers import hotline_case

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"

TYPED = ["+8613822223333", "138 2222 3333", "138-2222-3333", "0086.138.2222.3333", "(+86)13822223333",
         "110101 19900307 1234", "110101-1990-0307-123X", "11010119900307123x", "110101900307123"]


@pytest.mark.parametrize("typed", TYPED)
def test_feed_masks_numbers_in_description_and_address(territory, client, typed):
    case = hotline_case(territory, description=f"楼道堆物，联系我{typed}，谢谢", address=f"柳石苑社区 {typed}")
    digits = re.sub(r"\D", "", typed)
    for fmt in ("json", "xml"):
        body = client.get(f"{BASE}/requests.{fmt}").content.decode()
        assert case.number in body  # the case number (13 digits) is never masked
        assert digits not in re.sub(r"\D", "", body.replace(case.number, "")), (fmt, typed)
    item = client.get(f"{BASE}/requests/{case.number}.json").json()[0]
    assert "联系我" in item["description"] and "*" in item["description"] and "*" in item["address"]
    assert item["service_request_id"] == case.number and item["requested_datetime"].startswith("20")
