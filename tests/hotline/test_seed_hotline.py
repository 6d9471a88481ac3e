"""`civicgrid seed-hotline` (issue 13 item 17): a knowledge base and call-backs the demo can show."""
import importlib
import io

import pytest
from django.core.management import call_command

from civicgrid.cases import workflow as W
from civicgrid.core.models import User
from civicgrid.hotline import demo_kb, selectors
from civicgrid.hotline.models import Article, CallBack, Contact

pytestmark = pytest.mark.django_db


def test_seed_hotline_fills_the_knowledge_base_and_the_callback_pages():
    call_command("seed-demo", size="small", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed-hotline", stdout=out)
    assert Article.objects.count() == len(demo_kb.ARTICLES) >= 30
    assert len({a.title for a in Article.objects.all()}) == Article.objects.count()
    operator = User.objects.get(username="demo-hotline")
    # What the operator searched for and found nothing.
    for q in ("消防通道", "养老", "楼道杂物", "低保", "医保", "户籍", "物业", "噪音", "停车", "垃圾分类"):
        assert selectors.kb_search(operator, q, limit=5), q
    assert Contact.objects.filter(outcome="answered", article__isnull=False).count() >= 5
    assert Contact.objects.filter(outcome="case").count() >= 8
    due = list(selectors.callbacks_due(operator))
    assert len(due) >= 3 and all(cb.case.state == W.CLOSED for cb in due)
    review = CallBack.objects.get(follow_up="review")
    assert review.case.state == W.CLOSED and review.satisfaction == "dissatisfied"
    assert CallBack.objects.filter(state=CallBack.DONE, follow_up="").count() >= 2
    # Run again: nothing doubles.
    call_command("seed-hotline", stdout=io.StringIO())
    assert Article.objects.count() == len(demo_kb.ARTICLES)
    calls = importlib.import_module("civicgrid.hotline.management.commands.seed-hotline").CALLS
    assert Contact.objects.count() == len(calls)


def test_seed_hotline_puts_the_review_in_the_first_dispatchers_street():
    from civicgrid.core import roles as R
    from civicgrid.core.models import Role

    call_command("seed-demo", size="small", stdout=io.StringIO())
    call_command("seed-hotline", stdout=io.StringIO())
    seat = Role.objects.filter(role=R.STREET_DISPATCHER, region__isnull=False).order_by("id").first()
    assert [cb.follow_up for cb in selectors.reviews_for(seat.user)] == ["review"]
