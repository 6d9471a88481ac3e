"""Intake's one-statement path on PostgreSQL (cases/onewrite.py) writes exactly the rows the ORM path writes.

The same intake — a point with a nearby earlier case (so the duplicate flag is set), a description
and a requester phone holding numbers (masked, the originals encrypted), urgent (SMS to the
supervisors), a channel's own row (Open311's request token) — is taken in once through each path,
each in a transaction rolled back afterwards, and every row of every table it touches is compared:
the case, its event, the audit entry, the inbox rows, the rollup and heat deltas, the live row and the
token. Only what differs by nature is left out: row ids, the case's number (normalised), times that
the database stamps on insert (auto_now).
"""
from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civicgrid.api import services as api_services
from civicgrid.cases import services as S
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.core.models import AuditEntry, Notification
from civicgrid.dashboard.models import HeatDelta, LiveCase, RollupDelta
from civicgrid.open311.models import RequestToken

from .conftest import P_A1a

pytestmark = pytest.mark.postgres

STAMPED = {"id", "updated_at", "at", "token"}  # ids, auto_now times, a random token


def _rows(case) -> dict[str, list[dict]]:
    """Every row the intake of `case` wrote, normalised: the case's id and number replaced by markers."""
    pk, number = case.pk, case.number

    def norm(row: dict, stamped=STAMPED) -> dict:
        out = {}
        for k, v in row.items():
            if k in stamped:
                continue
            if isinstance(v, str):
                v = v.replace(number, "<number>")
                if v == str(pk) and k in ("object_id", "subject_id"):
                    v = "<case>"
            if k in ("case_id",) and v == pk:
                v = "<case>"
            out[k] = v
        return out

    sub = {"subject_type": "cases.case", "subject_id": str(pk)}
    return {
        "case": [norm(r) for r in Case.objects.filter(pk=pk).values()],
        "event": [norm(r) for r in CaseEvent.objects.filter(case_id=pk).values()],
        # The entry's own time is stamped by auto_now_add on insert; the rest must match.
        "audit": [norm(r) for r in AuditEntry.objects.filter(object_type="cases.case", object_id=str(pk)).values()],
        "inbox": sorted((norm(r, STAMPED | {"created_at"}) for r in Notification.objects.filter(**sub).values()),
                        key=lambda r: r["recipient_id"]),
        "deltas": sorted((norm(r) for r in RollupDelta.objects.values()), key=lambda r: (r["day"], r["grid_id"] or 0)),
        "heat": [norm(r) for r in HeatDelta.objects.values()],
        "live": [norm(r) for r in LiveCase.objects.filter(case_id=pk).values()],
        "token": [norm(r, STAMPED | {"created_at"}) for r in RequestToken.objects.filter(case_id=pk).values()],
    }


def _intake_and_read(t, cats, client, now, earlier_pk):
    with transaction.atomic():
        case = S.intake(t.users["worker_A1a"], channel="grid_worker", category=cats["01037"],
                        description="路灯不亮，联系13812345678", lng=P_A1a[0] + 1e-5, lat=P_A1a[1], urgent=True,
                        requester_name="王明", requester_phone="13912345678", now=now,
                        then=lambda c: [RequestToken(token=f"t{c.pk}", case=c, client=client)])
        assert case.possible_duplicate_id == earlier_pk  # the duplicate check ran on this path
        rows = _rows(case)
        transaction.set_rollback(True)
    return case, rows


def test_one_statement_writes_exactly_the_rows_of_the_orm_path(territory, cats, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the one-statement path is PostgreSQL's")
    t = territory
    client, _ = api_services.create_client(None, name="cmp-app", region=t.district)
    now = timezone.now()
    earlier = S.intake(t.users["worker_A1a"], channel="grid_worker", category=cats["01037"], description="先前",
                       lng=P_A1a[0], lat=P_A1a[1], now=now)
    RollupDelta.objects.all().delete()
    HeatDelta.objects.all().delete()

    with CaptureQueriesContext(connection) as q:
        one, one_rows = _intake_and_read(t, cats, client, now, earlier.pk)
    writes = [x["sql"] for x in q.captured_queries if "INSERT" in x["sql"].upper()]
    assert len(writes) == 1, writes  # every row in one statement

    monkeypatch.setattr(S, "_orm_only", True)
    with CaptureQueriesContext(connection) as q:
        orm, orm_rows = _intake_and_read(t, cats, client, now, earlier.pk)
    assert sum("INSERT" in x["sql"].upper() for x in q.captured_queries) >= 6  # really the ORM path

    assert one.pk != orm.pk and one.number != orm.number
    for table in one_rows:
        assert one_rows[table], table  # the intake wrote rows there
        assert one_rows[table] == orm_rows[table], table
    # The masked clear text and the encrypted original, on both paths.
    assert "13812345678" not in one_rows["case"][0]["description"]
    assert one_rows["case"][0]["description_private"] == "路灯不亮，联系13812345678"
    (delta,) = one_rows["deltas"]  # one row carrying the chain: grid, community, street, district, city
    assert all(delta[f"{level}_id"] for level in ("grid", "community", "street", "district", "city")), delta
    assert len(one_rows["inbox"]) >= 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_the_one_statement_is_the_transaction(territory, cats):
    """With no transaction open, intake sends no BEGIN or COMMIT: its one insert is atomic by itself;
    what waits for the commit (writes.on_commit) runs once the rows are in, and a failing insert
    leaves nothing behind, the hooks not run."""
    if connection.vendor != "postgresql":
        pytest.skip("the one-statement path is PostgreSQL's")
    from civicgrid.cases import signals

    t = territory
    client, _ = api_services.create_client(None, name="tx-app", region=t.district)
    seen = []

    def after_rows(sender, case, event, writes=None, **kw):
        writes.on_commit(lambda: seen.append(Case.objects.filter(pk=case.pk).exists()))

    def take(description, token):
        return S.intake(t.users["worker_A1a"], channel="grid_worker", category=cats["01037"],
                        description=description, lng=P_A1a[0], lat=P_A1a[1],
                        then=lambda c: [RequestToken(token=token, case=c, client=client)])

    signals.case_event_appended.connect(after_rows)
    try:
        with CaptureQueriesContext(connection) as q:
            case = take("路灯不亮", "tok-1")
        sent = [x["sql"].split()[0].upper() for x in q.captured_queries]
        assert not {"BEGIN", "COMMIT", "SAVEPOINT"} & set(sent), sent
        assert sum("INSERT" in x["sql"].upper() for x in q.captured_queries) == 1
        assert seen == [True]  # the hook ran, after the case existed
        assert RequestToken.objects.get(token="tok-1").case_id == case.pk

        counts = (Case.objects.count(), CaseEvent.objects.count(), AuditEntry.objects.count(),
                  Notification.objects.count(), RollupDelta.objects.count(), LiveCase.objects.count())
        with pytest.raises(IntegrityError):
            take("第二件，令牌重复", "tok-1")  # the token is unique: the whole statement fails
        assert (Case.objects.count(), CaseEvent.objects.count(), AuditEntry.objects.count(),
                Notification.objects.count(), RollupDelta.objects.count(), LiveCase.objects.count()) == counts
        assert not Case.objects.filter(description="第二件，令牌重复").exists()
        assert seen == [True]  # the failed intake's hook never ran
    finally:
        signals.case_event_appended.disconnect(after_rows)


def test_writes_on_commit_waits_for_an_open_transaction(db, django_capture_on_commit_callbacks):
    from civicgrid.cases.onewrite import Writes

    ran = []
    with django_capture_on_commit_callbacks(execute=True) as hooks:
        writes = Writes(deferred=True)
        writes.on_commit(lambda: ran.append("hook"))
        writes.flush()
        assert ran == []  # inside a transaction: at its commit, not at flush
    assert len(hooks) == 1 and ran == ["hook"]
