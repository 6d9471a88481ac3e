import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from civicgrid.hotline import search, selectors, services
from civicgrid.hotline.models import ArticleVersion

pytestmark = pytest.mark.django_db


def _art(t, title, body, **kw):
    kw.setdefault("category", "procedure")
    return services.save_article(t.users["operator"], None, title=title, body=body, **kw)


def test_bigram_tokens():
    assert search.tokens("低保申请") == ["低保", "保申", "申请"]
    assert search.tokens("税") == ["税"]
    assert search.tokens("ETC 办理") == ["办理", "etc"]


def test_chinese_full_text_search_ranks_title_hits_first(territory):
    t = territory
    a = _art(t, "最低生活保障（低保）申请流程", "到社区服务站提交申请，五个工作日内入户调查。", keywords="低保 救助")
    b = _art(t, "社区服务站开放时间", "周一至周五 9:00-17:00，低保申请也在此受理。", category="hours")
    _art(t, "居住证办理", "携带身份证到派出所办理。")
    found = selectors.kb_search(t.users["operator"], "低保申请")
    assert [x.pk for x in found] == [a.pk, b.pk]
    assert selectors.kb_search(t.users["operator"], "居住证")[0].title == "居住证办理"
    assert selectors.kb_search(t.users["operator"], "不存在的词语") == []


def test_versions_and_validity(territory):
    t = territory
    today = timezone.localdate()
    a = _art(t, "供暖补贴", "每户每年 1000 元。", category="policy")
    a = services.save_article(t.users["operator"], a, category="policy", title="供暖补贴", body="每户每年 1200 元。",
                              valid_until=today - dt.timedelta(days=1))
    assert a.version == 2
    assert list(ArticleVersion.objects.filter(article=a).values_list("version", "body")) == [
        (2, "每户每年 1200 元。"), (1, "每户每年 1000 元。")]
    # expired: not offered while on a call, listed as outdated, refused as an answer
    assert selectors.kb_search(t.users["operator"], "供暖") == []
    assert list(selectors.outdated_articles(t.users["operator"])) == [a]
    c = services.record_contact(t.users["operator"], subject="供暖补贴多少")
    with pytest.raises(ValidationError):
        services.answer(t.users["operator"], c, note="", article=a)


def test_unused_articles_are_found(territory):
    t = territory
    used = _art(t, "垃圾分类投放时间", "早 7-9 点，晚 18-20 点。", category="hours")
    idle = _art(t, "犬只登记", "到派出所登记。")
    services.answer(t.users["operator"], services.record_contact(t.users["operator"], subject="垃圾几点扔"),
                    note="", article=used)
    assert list(selectors.unused_articles(t.users["operator"])) == [idle]


def test_kb_edit_refused_to_grid_worker(territory):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.save_article(territory.users["worker_A1a"], None, category="faq", title="x", body="y")


def test_kb_page_search(territory, client):
    t = territory
    _art(t, "残疾人证办理", "到区残联窗口办理。")
    client.force_login(t.users["operator"])
    r = client.get("/hotline/kb/", {"q": "残疾人"})
    assert r.status_code == 200 and "残疾人证办理" in r.content.decode()
