"""Browser, phone width, Regular 3G: a grid worker reports with a 2.2 MB phone photo.

The photo is shrunk in the browser (longest side 1600 px, JPEG 0.8) before it is sent, the button
is disabled and a progress bar moves while it is sent, and the report is done in under 10 s. The
server keeps its own check and resize (2560 px), so a stored 1600 px photo proves the browser's."""
from __future__ import annotations

import time

import pytest
from PIL import Image

from tests.cases.conftest import cats  # noqa: F401  (a fixture: reloads categories after a flush)

from .conftest import login, shot
from .phone_network import phone_photo, throttle

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def photo_2mb(tmp_path_factory):
    return phone_photo(tmp_path_factory.mktemp("photos") / "IMG_20261127_101500.jpg")


# Counts the bytes of files the page hands to XMLHttpRequest (DevTools does not report blob bodies).
COUNT_SENT = """
window.__sent = [];
const send = XMLHttpRequest.prototype.send;
XMLHttpRequest.prototype.send = function (body) {
  if (body instanceof FormData) {
    let n = 0;
    for (const [, v] of body.entries()) n += v instanceof Blob ? v.size : String(v).length;
    window.__sent.push(n);
  }
  return send.apply(this, arguments);
};
"""


def test_report_with_a_phone_photo_on_regular_3g_is_done_in_under_10_s(page, live_server, territory, cats, photo_2mb):
    from civicgrid.cases.models import Attachment, Case

    assert 2_000_000 < photo_2mb.stat().st_size < 2_450_000
    with Image.open(photo_2mb) as im:
        assert im.size == (4000, 3000)
    page.add_init_script(COUNT_SENT)
    login(page, live_server, "worker_A1a")
    page.goto(f"{live_server.url}/cases/report/")
    page.select_option("#id_category", str(cats["01037"].pk))
    page.fill("#id_description", "3号楼前路灯不亮，晚上很黑")
    page.select_option("#id_grid", str(territory.grid("A1a").pk))
    page.set_input_files("#id_photos", str(photo_2mb))
    throttle(page)

    started = time.monotonic()
    page.click("#report-form button[type=submit]")
    # While it is being sent: one tap only, and the progress is shown.
    page.wait_for_selector("#report-form button[type=submit][disabled]")
    page.wait_for_selector(".upload-status progress")
    page.wait_for_selector(".upload-text:has-text('正在上传')", timeout=10_000)
    sent = page.evaluate("window.__sent")
    page.wait_for_url("**/cases/2*/", timeout=15_000)
    page.wait_for_selector("#case-state")
    elapsed = time.monotonic() - started
    shot(page, "photo-3g-reported-phone")
    print(f"report with a {photo_2mb.stat().st_size} B photo on Regular 3G: {elapsed:.1f} s, sent {max(sent)} B")

    assert elapsed < 10, f"took {elapsed:.1f} s"
    assert "已上报" in page.locator(".messages").inner_text()  # the server's own message, as after a normal submit
    assert 20_000 < max(sent) < 600_000  # a few hundred KB went over the air, not 2.2 MB
    case = Case.objects.get()
    photo = Attachment.objects.get(event__case=case)
    assert (photo.width, photo.height) == (1600, 1200)
    with Image.open(photo.image.path) as stored:
        assert max(stored.size) == 1600 and stored.size == (1600, 1200)
