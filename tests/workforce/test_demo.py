"""The demo seeder: staff of every type, a month of patrols, volunteers with hours, two joint cases; fast, once."""
from __future__ import annotations

import time

import pytest


@pytest.mark.django_db
def test_demo_seeder_fills_the_demo_district_quickly_and_once():
    from civicgrid.cases.joint_models import JointPart
    from civicgrid.people import demo as people_demo
    from civicgrid.regions import demo as regions_demo
    from civicgrid.workforce import assessment, demo
    from civicgrid.workforce.models import (Correction, DutyItem, HourEntry, Patrol, PatrolCheck, StaffProfile,
                                            Team, Volunteer)

    from tests.factories import restore_migration_rows

    restore_migration_rows()
    regions_demo.seed(size="small")
    people_demo.seed(residents=600)
    started = time.monotonic()
    out = demo.run()
    took = time.monotonic() - started
    types = set(StaffProfile.objects.values_list("staff_type__code", flat=True))
    assert {"grid_worker", "grid_leader", "social_worker", "police", "urban"} <= types
    assert set(DutyItem.objects.values_list("list", flat=True)) == {"visit9", "attend6", "report9"}
    assert Patrol.objects.count() == out["patrols"] > 0 and PatrolCheck.objects.exists()
    days = {p.started_at.date() for p in Patrol.objects.all()}
    assert len(days) >= 20  # a month of patrols
    assert Correction.objects.filter(state="open").exists() or out["corrections"] == 0
    assert Team.objects.filter(kind="3+1").exists() and Volunteer.objects.exists()
    assert set(HourEntry.objects.values_list("state", flat=True)) == {"pending", "confirmed", "rejected"}
    assert out["joint_cases"] == 2
    assert JointPart.objects.filter(state="confirmed").exists() and JointPart.objects.filter(state="assigned").exists()
    from civicgrid.cases.models import CaseEvent

    assert CaseEvent.objects.filter(action="declare_emergency").count() == 1
    # Joint enforcement operations: one closed with a finding that became a case, one planned.
    from civicgrid.workforce.models import BankEntry, OperationPlan

    assert out["operations"] == 2
    assert set(OperationPlan.objects.values_list("state", flat=True)) == {"closed", "planned"}
    closed = OperationPlan.objects.get(state="closed")
    assert closed.findings.filter(outcome="case").exclude(case_number="").count() == 1 and closed.summary
    # The time bank: confirmed hours are in the ledger, one redemption, balances equal the ledger's sums.
    assert BankEntry.objects.filter(kind="earned").count() == HourEntry.objects.filter(state="confirmed").count()
    assert BankEntry.objects.filter(kind="redeemed").count() == 1
    for v in Volunteer.objects.all():
        assert v.bank_balance == sum((e.hours for e in v.bank_entries.all()), 0) >= 0
    month = min(days).replace(day=1)
    assert assessment.sheet(StaffProfile.objects.all(), month)  # the pay sheet has rows to show
    assert took < 15, took
    assert demo.run() == {}  # idempotent


@pytest.mark.django_db
def test_demo_social_workers():
    """Social workers with certificates, posts (some vacant), a month of contacts, quota progress, one referral."""
    from civicgrid.people import demo as people_demo
    from civicgrid.regions import demo as regions_demo
    from civicgrid.workforce import demo, socialwork
    from civicgrid.workforce.models import Certificate, Contact, Post, Referral, SocialWorker

    from tests.factories import restore_migration_rows

    restore_migration_rows()
    regions_demo.seed(size="small")
    people_demo.seed(residents=600)
    started = time.monotonic()
    out = demo.run()
    took = time.monotonic() - started
    assert out["social_workers"] == SocialWorker.objects.count() > 2
    assert {"assistant", "intermediate", "senior"} <= set(Certificate.objects.values_list("level", flat=True))
    assert Post.objects.filter(holder__isnull=True).exists() and Post.objects.filter(holder__isnull=False).exists()
    assert Contact.objects.count() == out["sw_contacts"] > 0
    assert Referral.objects.filter(state="pending").count() == 1
    from django.utils import timezone

    last = Contact.objects.order_by("at").last().at
    rows = socialwork.month_sheet(SocialWorker.objects.all(), timezone.localtime(last).date())
    assert any(p["done"] for r in rows for p in r["progress"]) and any(r["subsidy"] > 0 for r in rows)
    assert took < 15, took
