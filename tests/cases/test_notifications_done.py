"""Acting on a case answers its notifications (issue 13 item 11): one rule, keyed by the object."""
from django.core.files.uploadedfile import SimpleUploadedFile

from civicgrid.cases import services as S
from civicgrid.core.models import Notification
from civicgrid.core.notifications import mark_done, notify, unread_count

from .conftest import P_A1a, jpeg


def test_verifying_a_case_clears_the_verify_notice_for_every_verifier(client, t, cats):
    disp, worker = t.users["dispatcher_A"], t.users["worker_A1a"]
    c = S.intake(worker, channel="grid_worker", category=cats["01037"], description="路灯不亮", lng=P_A1a[0],
                 lat=P_A1a[1])
    c = S.act(disp, c, "file")
    c = S.act(disp, c, "dispatch", unit=t.units[("urban", "A")])
    c = S.act(t.users["urban_A"], c, "handle", note="已修", photos=[jpeg()])
    notice = Notification.objects.get(recipient=worker, title=f"待核查 {c.number}")
    assert "请到现场核查" in notice.body and notice.read_at is None and notice.done_at is None
    assert (notice.subject_type, notice.subject_id) == ("cases.case", str(c.pk))
    before = unread_count(worker)
    client.force_login(worker)
    r = client.post(f"/cases/{c.number}/act/", {"action": "verify_pass", "version": str(c.version),
                                                "photos": [SimpleUploadedFile("a.jpg", jpeg(), "image/jpeg")]})
    assert r.status_code == 302
    notice.refresh_from_db()
    assert notice.done_at is not None and notice.read_at is not None
    assert unread_count(worker) == before - 1
    assert "已办理" in client.get("/inbox/").content.decode()
    # The step's own new notices (核查通过待结案 to the dispatcher) stay open until the dispatcher closes.
    new = Notification.objects.get(recipient=disp, title=f"核查通过待结案 {c.number}")
    assert new.done_at is None
    S.act(disp, c, "close")
    new.refresh_from_db()
    assert new.done_at is not None


def test_mark_done_touches_only_the_named_object(t, cats):
    u = t.users["worker_A1a"]
    a = S.intake(u, channel="grid_worker", category=cats["01037"], description="一", lng=P_A1a[0], lat=P_A1a[1])
    b = S.intake(u, channel="grid_worker", category=cats["03004"], description="二", lng=P_A1a[0] + 0.003,
                 lat=P_A1a[1])
    na, nb, plain = notify(u, "甲", subject=a), notify(u, "乙", subject=b), notify(u, "无对象")
    open_about_a = Notification.objects.filter(subject_type="cases.case", subject_id=str(a.pk),
                                               done_at__isnull=True).count()
    assert mark_done(a) == open_about_a >= 1
    na.refresh_from_db(), nb.refresh_from_db(), plain.refresh_from_db()
    assert na.done_at and nb.done_at is None and plain.done_at is None
