"""The volunteers' time bank (时间银行): confirmed hours earn, benefits redeem, donations move hours; the
balance never goes below zero, every movement is in the ledger, and a district without it refuses."""
from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from decimal import Decimal

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone


@pytest.fixture
def bank(territory):
    from civicgrid.workforce import services
    from civicgrid.workforce.models import Benefit, TimeBankRule

    t = territory
    TimeBankRule.objects.create(district=t.district, enabled=True)
    v = services.register_volunteer(grid=t.grids["A1a"], name="李志愿", phone="13900000001", consent=True)
    other = services.register_volunteer(grid=t.grids["A2a"], name="王志愿", phone="13900000002", consent=True)
    for hours in (2, 3):
        e = services.log_hours(v, day=timezone.localdate(), hours=hours, note="陪同走访独居老人")
        services.confirm_hours(t.users["staff_A1"], e)
    shop = Benefit.objects.create(district=t.district, name="超市上门送货一次", kind="service", provider="便民超市",
                                  hours=Decimal("2"))
    gift = Benefit.objects.create(district=t.district, name="纪念水杯", kind="gift", hours=Decimal("6"))
    donate = Benefit.objects.create(district=t.district, name="时长捐赠", kind="donation", hours=0)
    return {"t": t, "v": v, "other": other, "shop": shop, "gift": gift, "donate": donate}


def _login_volunteer(client, v):
    from civicgrid.workforce.resident_views import COOKIE, SALT

    client.cookies[COOKIE] = signing.dumps(v.number, salt=SALT)


@pytest.mark.django_db
def test_only_confirmed_hours_earn_once_and_redemptions_are_in_the_ledger(bank):
    from civicgrid.workforce import services

    t, v = bank["t"], bank["v"]
    pending = services.log_hours(v, day=timezone.localdate(), hours=4, note="未确认")
    assert services.time_bank_balance(v) == Decimal("5.0")  # 2 + 3 confirmed; the pending 4 does not count
    services.confirm_hours(t.users["staff_A1"], pending, accept=False)
    assert services.time_bank_balance(v) == Decimal("5.0")
    entry, created = services.redeem(v, bank["shop"], token=uuid.uuid4())
    assert created and entry.kind == "redeemed" and entry.hours == Decimal("-2.0") and entry.by is None
    assert services.time_bank_balance(v) == Decimal("3.0")
    ledger = list(v.bank_entries.order_by("at", "id").values_list("kind", "hours", "balance_after"))
    assert ledger == [("earned", Decimal("2.0"), Decimal("2.0")), ("earned", Decimal("3.0"), Decimal("5.0")),
                      ("redeemed", Decimal("-2.0"), Decimal("3.0"))]
    v.refresh_from_db()
    assert v.redeemed_hours == Decimal("2.0")


@pytest.mark.django_db
def test_the_balance_never_goes_negative(bank):
    from civicgrid.workforce import services
    from civicgrid.workforce.models import Volunteer

    v = bank["v"]
    with pytest.raises(ValidationError, match="余额不足"):
        services.redeem(v, bank["gift"], token=uuid.uuid4())  # 6 hours, the balance is 5
    with pytest.raises(ValidationError, match="余额不足"):
        services.redeem(v, bank["donate"], token=uuid.uuid4(), hours="5.5", to_number=bank["other"].number)
    assert services.time_bank_balance(v) == Decimal("5.0") and v.bank_entries.filter(hours__lt=0).count() == 0
    with pytest.raises(IntegrityError), transaction.atomic():  # the database's own guard
        Volunteer.objects.filter(pk=v.pk).update(bank_balance=Decimal("-1"))


@pytest.mark.django_db
def test_a_resubmitted_redemption_takes_the_hours_once(bank, client):
    from civicgrid.workforce import services

    v = bank["v"]
    _login_volunteer(client, v)
    form = {"token": str(uuid.uuid4()), "benefit": bank["shop"].pk}
    client.post(reverse("workforce-r:bank"), form)
    resp = client.post(reverse("workforce-r:bank"), form, follow=True)
    assert "未重复扣减" in resp.content.decode()
    assert services.time_bank_balance(v) == Decimal("3.0") and v.bank_entries.filter(kind="redeemed").count() == 1


@pytest.mark.django_db
def test_donations_to_a_volunteer_and_to_a_family_member(bank, client):
    from civicgrid.core.models import AuditEntry
    from civicgrid.workforce import services

    v, other = bank["v"], bank["other"]
    services.redeem(v, bank["donate"], token=uuid.uuid4(), hours="1.5", to_number=other.number)
    assert services.time_bank_balance(other) == Decimal("1.5")
    received = other.bank_entries.get()
    assert received.kind == "received" and received.counterpart == v and received.hours == Decimal("1.5")
    entry, _ = services.redeem(v, bank["donate"], token=uuid.uuid4(), hours="1", recipient="李建国")
    assert entry.kind == "donated" and entry.recipient == "李建国" and services.time_bank_balance(v) == Decimal("2.5")
    with pytest.raises(ValidationError, match="二选一"):
        services.redeem(v, bank["donate"], token=uuid.uuid4(), hours="1", recipient="李建国", to_number=other.number)
    with pytest.raises(ValidationError, match="自己"):
        services.redeem(v, bank["donate"], token=uuid.uuid4(), hours="1", to_number=v.number)
    # The family member's name is masked on the statement and never in the audit log.
    _login_volunteer(client, v)
    page = client.get(reverse("workforce-r:bank")).content.decode()
    assert "李建国" not in page and "李*国" in page
    assert not any("李建国" in str(a.detail) for a in AuditEntry.objects.filter(action="workforce.bank_redeem"))


@pytest.mark.django_db
def test_a_coordinator_redeems_on_behalf_and_street_b_cannot(bank, client):
    from civicgrid.workforce import services

    t, v = bank["t"], bank["v"]
    client.force_login(t.users["staff_A1"])
    url = reverse("workforce:bank", args=[v.number])
    assert "超市上门送货一次" in client.get(url).content.decode()
    client.post(url, {"token": str(uuid.uuid4()), "benefit": bank["shop"].pk})
    assert v.bank_entries.get(kind="redeemed").by == t.users["staff_A1"]
    with pytest.raises(PermissionDenied):
        services.redeem(v, bank["shop"], token=uuid.uuid4(), actor=t.users["staff_B1"])
    client.force_login(t.users["staff_B1"])
    resp = client.get(url)
    assert resp.status_code == 404 and "不在您的管辖范围内" in resp.content.decode()
    client.force_login(t.users["worker_A1a"])
    resp = client.get(url)
    assert resp.status_code == 403 and "时间银行需要以下角色之一" in resp.content.decode()


@pytest.mark.django_db
def test_a_district_without_the_time_bank_refuses_in_chinese(bank, client, settings):
    from civicgrid.workforce import services
    from civicgrid.workforce.models import TimeBankRule

    settings.WORKFORCE_TIME_BANK = True
    TimeBankRule.objects.filter(district=bank["t"].district).update(enabled=False)  # the rule wins over the setting
    v = bank["v"]
    with pytest.raises(PermissionDenied, match="尚未启用志愿服务时间银行"):
        services.redeem(v, bank["shop"], token=uuid.uuid4())
    assert services.time_bank_balance(v) is None
    _login_volunteer(client, v)
    resp = client.get(reverse("workforce-r:bank"))
    assert resp.status_code == 403 and "尚未启用志愿服务时间银行" in resp.content.decode()
    client.force_login(bank["t"].users["staff_A1"])
    resp = client.get(reverse("workforce:bank", args=[v.number]))
    assert resp.status_code == 403 and "尚未启用志愿服务时间银行" in resp.content.decode()


@pytest.mark.django_db
def test_old_unspent_hours_expire_when_the_rule_says(bank):
    from civicgrid.workforce import services
    from civicgrid.workforce.models import TimeBankRule

    t, v = bank["t"], bank["v"]
    v.bank_entries.filter(kind="earned", hours=Decimal("2")).update(at=timezone.now() - dt.timedelta(days=100))
    services.redeem(v, bank["donate"], token=uuid.uuid4(), hours="0.5", recipient="李建国")  # spent since: 0.5
    assert services.expire_hours(t.district) == 0  # no expiry in the rule
    TimeBankRule.objects.filter(district=t.district).update(expire_months=3)
    assert services.expire_hours(t.district) == 1
    expired = v.bank_entries.get(kind="expired")
    assert expired.hours == Decimal("-1.5") and services.time_bank_balance(v) == Decimal("3.0")
    assert services.expire_hours(t.district) == 0  # nothing more is old and unspent


@pytest.mark.django_db
def test_the_daily_task_expires_hours_in_every_district_whose_rule_says_so(bank):
    from civicgrid.core.periodic import registered
    from civicgrid.workforce import services, tasks
    from civicgrid.workforce.models import TimeBankRule

    assert "civicgrid.workforce.tasks.expire_time_bank_hours" in registered()
    t, v = bank["t"], bank["v"]
    v.bank_entries.filter(kind="earned", hours=Decimal("2")).update(at=timezone.now() - dt.timedelta(days=100))
    assert tasks.expire_time_bank_hours.call() == 0  # the rule keeps hours for ever
    TimeBankRule.objects.filter(district=t.district).update(expire_months=3)
    assert tasks.expire_time_bank_hours.call() == 1
    assert services.time_bank_balance(v) == Decimal("3.0")  # 5.0 earned, the 2.0 of 100 days ago expired
    assert tasks.expire_time_bank_hours.call() == 0


@pytest.mark.django_db
def test_benefits_and_the_rule_are_the_districts_data(bank, client):
    from civicgrid.workforce.models import Benefit, TimeBankRule

    t = bank["t"]
    client.force_login(t.users["commander"])
    client.post(reverse("workforce:bank_rules"), {"what": "benefit", "district": t.district.code, "name": "理发一次",
                                                  "kind": "service", "hours": "1.5", "provider": "社区理发室"})
    assert Benefit.objects.get(name="理发一次").hours == Decimal("1.5")
    client.post(reverse("workforce:bank_rules"), {"what": "rule", "district": t.district.code, "enabled": "1",
                                                  "expire_months": "abc"})
    assert TimeBankRule.objects.get(district=t.district).expire_months is None
    client.force_login(t.users["staff_A1"])
    resp = client.post(reverse("workforce:bank_rules"), {"what": "rule", "district": t.district.code, "enabled": "0"})
    assert resp.status_code == 403 and TimeBankRule.objects.get(district=t.district).enabled


# -- two redemptions at once (PostgreSQL: real concurrent transactions) ------------------------------
def _waiting_for_lock() -> bool:
    with connections["default"].cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
        return cur.fetchone()[0] > 0


# serialized_rollback, as every transactional test outside the browser tests: a plain flush would
# recreate the content types under new ids and break the next serialized test's restore.
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: real concurrent transactions")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_redemptions_at_once_cannot_overdraw(bank):
    """The first takes the volunteer's row in the conditional UPDATE and holds its transaction open until
    the second is seen waiting for that row; then it commits. The second must find the balance gone."""
    from civicgrid.workforce import services

    v = bank["v"]
    results, release, holding = {}, threading.Event(), threading.Event()

    def first():
        try:
            with transaction.atomic():
                results["first"] = services.redeem(v, bank["donate"], token=uuid.uuid4(), hours="4",
                                                   recipient="李建国")
                holding.set()
                release.wait(20)
        except Exception as exc:  # noqa: BLE001 - the test inspects what each side got
            results["first"] = exc
        finally:
            connections.close_all()

    def second():
        try:
            results["second"] = services.redeem(v, bank["donate"], token=uuid.uuid4(), hours="4",
                                                to_number=bank["other"].number)
        except Exception as exc:  # noqa: BLE001
            results["second"] = exc
        finally:
            connections.close_all()

    a = threading.Thread(target=first)
    a.start()
    assert holding.wait(20)
    b = threading.Thread(target=second)
    b.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not _waiting_for_lock():
        time.sleep(0.02)
    saw_wait = _waiting_for_lock()
    release.set()
    a.join(30)
    b.join(30)
    assert saw_wait, "the second redemption never waited for the first's row lock"
    assert isinstance(results["first"], tuple) and isinstance(results["second"], ValidationError)
    assert "余额不足" in str(results["second"])
    assert services.time_bank_balance(v) == Decimal("1.0")
    assert v.bank_entries.filter(hours__lt=0).count() == 1 and not bank["other"].bank_entries.exists()
