"""Votes, surveys and elections: eligibility, once each, and a secret ballot that cannot be linked to its voter."""
import datetime as dt

import pytest
from django.db import connection

from civicgrid.selfgov import services as S
from civicgrid.selfgov.errors import AlreadyDone, IllegalAction, NotEligible
from civicgrid.selfgov.models import OpenBallot, Poll, PollVoter, SecretTally

from .conftest import T0

pytestmark = pytest.mark.django_db
LATER = T0 + dt.timedelta(hours=1)


def _poll(world, **kw):
    kw.setdefault("kind", "vote")
    kw.setdefault("title", "是否同意加装电梯")
    kw.setdefault("options", ["同意", "不同意", "弃权"])
    return S.open_poll(world.users["staff_A1"], world.communities["A1"], opens_at=T0,
                       closes_at=T0 + dt.timedelta(days=3), now=T0, **kw)


def test_only_adult_residents_vote_once_each(world):
    poll = _poll(world)
    assert poll.electorate_size == 12
    yes = poll.options.get(label="同意")
    for who, why in ((world.outsider, "登记在册"), (world.child, "18"), (world.gone, "登记在册")):
        with pytest.raises(NotEligible, match=why):
            S.cast(who, poll, [yes.pk], now=LATER)
    S.cast(world.people[0], poll, [yes.pk], now=LATER)
    with pytest.raises(AlreadyDone):
        S.cast(world.people[0], poll, [poll.options.get(label="不同意").pk], now=LATER)
    with pytest.raises(IllegalAction):
        S.cast(world.people[1], poll, [yes.pk], now=T0 + dt.timedelta(days=4))
    assert SecretTally.objects.get(poll=poll, option=yes).count == 1
    assert sum(SecretTally.objects.filter(poll=poll).values_list("count", flat=True)) == 1


def test_representatives_poll_is_for_representatives_in_mandate(world):
    poll = _poll(world, electorate="representatives", secret=False)
    assert poll.electorate_size == 3
    with pytest.raises(NotEligible, match="居民代表"):
        S.cast(world.people[3], poll, [poll.options.first().pk], now=LATER)
    S.cast(world.people[0], poll, [poll.options.first().pk], now=LATER)
    # a named vote is recorded with the voter: that is what 记名 means
    assert OpenBallot.objects.get(poll=poll).person == world.people[0]


def test_secret_ballot_cannot_be_linked_to_the_voter(world):
    poll = _poll(world)
    yes, no = poll.options.get(label="同意"), poll.options.get(label="不同意")
    choices = [yes, no, yes, yes, no]
    for who, choice in zip(world.people[:5], choices):
        S.cast(who, poll, [choice.pk], now=LATER)
    # The data model: the roll has the voter and nothing about the choice or the time; the tally has
    # the choice and nothing about anyone. No other table holds a secret poll's choices.
    roll_fields = {f.name for f in PollVoter._meta.get_fields()}
    tally_fields = {f.name for f in SecretTally._meta.get_fields()}
    assert roll_fields == {"id", "poll", "person"}
    assert tally_fields == {"id", "poll", "option", "count"}
    assert PollVoter._meta.pk.get_internal_type() == "UUIDField"  # no order in the roll's key either
    assert not OpenBallot.objects.filter(poll=poll).exists()
    # The rows: one counter per option whatever the number of voters, so no row stands for one ballot.
    assert SecretTally.objects.filter(poll=poll).count() == 3
    assert dict(SecretTally.objects.filter(poll=poll).values_list("option__label", "count")) == \
        {"同意": 3, "不同意": 2, "弃权": 0}
    assert PollVoter.objects.filter(poll=poll).count() == 5
    # Nothing in the audit log or the database names a voter next to this poll's choice.
    from civicgrid.core.models import AuditEntry

    assert not AuditEntry.objects.filter(action__in=["selfgov.open_ballot"]).exists()
    with connection.cursor() as c:
        c.execute(f"SELECT * FROM {SecretTally._meta.db_table} WHERE poll_id = %s", [poll.pk])
        cols = [d[0] for d in c.description]
    assert not any("person" in col or "voter" in col or "_at" in col for col in cols)


def test_results_turnout_and_publication(world):
    poll = _poll(world)
    yes = poll.options.get(label="同意")
    for who in world.people[:7]:
        S.cast(who, poll, [yes.pk], now=LATER)
    with pytest.raises(IllegalAction, match="尚未截止"):
        S.publish_poll(world.users["staff_A1"], poll, now=LATER)
    S.publish_poll(world.users["staff_A1"], poll, now=T0 + dt.timedelta(days=3))
    poll.refresh_from_db()
    assert poll.state == "published"
    assert poll.results["voters"] == 7 and poll.results["electorate"] == 12 and poll.results["turnout"] == 58.33
    assert [r["votes"] for r in poll.results["rows"]] == [7, 0, 0]
    board = poll.community and S.Disclosure.objects.get(title__contains=poll.title)
    assert "参与率 58.33%" in board.body


def test_committee_election_candidates_and_turnout(world):
    poll = _poll(world, kind="election", title="第十二届居委会委员选举", options=["王芳", "李强", "赵敏", "孙杰"], seats=2)
    assert poll.max_choices == 2
    ids = {o.label: o.pk for o in poll.options.all()}
    with pytest.raises(Exception, match="最多可选 2"):
        S.cast(world.people[0], poll, [ids["王芳"], ids["李强"], ids["赵敏"]], now=LATER)
    ballots = [["王芳", "李强"], ["王芳", "赵敏"], ["王芳", "李强"], ["李强"], ["王芳", "孙杰"], ["赵敏", "孙杰"],
               ["王芳"]]
    for who, b in zip(world.people, ballots):
        S.cast(who, poll, [ids[x] for x in b], now=LATER)
    r = S.tally(poll)
    # 王芳 5, 李强 3, 赵敏 2, 孙杰 2 of 7 voters: only 王芳 has more than half
    assert [x["votes"] for x in r["rows"]] == [5, 3, 2, 2]
    assert r["elected"] == ["王芳"] and r["valid"] is True and r["turnout"] == 58.33
    assert Poll.objects.get(pk=poll.pk).kind == "election"
