"""The FAQ knowledge base: Chinese search (jieba + BM25), suggestions while typing, ratings."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from finassure.accounts.roles import Role
from finassure.platform.errors import PermissionDenied, ValidationFailed
from finassure.service import selectors, services, textsearch
from finassure.service.models import FaqArticle

pytestmark = pytest.mark.django_db

ARTICLES = [
    ("credit_card", "信用卡年费怎么收取？", "首年免年费，当年刷卡满6次可免次年年费。"),
    ("deposit", "定期存款可以提前支取吗？", "可以，提前支取部分按活期利率计息，需本人携带身份证件办理。"),
    ("payment", "跨行转账多久到账？", "普通到账一般2小时内，次日到账在下一个工作日。"),
    ("wealth_management", "理财产品保本吗？", "理财产品不保本，收益以产品说明书为准，请关注风险等级。"),
]


@pytest.fixture
def articles(db: Any) -> list[FaqArticle]:
    cache.clear()
    return [FaqArticle.objects.create(product_line=p, question=q, answer=a) for p, q, a in ARTICLES]


def test_the_tokenizer_cuts_chinese_into_words() -> None:
    tokens = textsearch.tokenize("我的信用卡被收了年费")
    assert {"信用卡", "年费"} <= set(tokens) and "的" not in tokens


def test_the_bigram_fallback_matches_chinese_without_a_dictionary() -> None:
    assert textsearch.bigrams("年费a信用卡") == ["年费", "信用", "用卡"]
    index = textsearch.BM25([textsearch.bigrams(q + a) for _, q, a in ARTICLES])
    assert index.top(textsearch.bigrams("转账什么时候到"), limit=1)[0][0] == 2


@pytest.mark.parametrize(("query", "expected"), [
    ("我的信用卡被扣了年费", "信用卡年费怎么收取？"),
    ("存款能不能提前取出来", "定期存款可以提前支取吗？"),
    ("转账三天了还没到账", "跨行转账多久到账？"),
    ("买的理财亏本了", "理财产品保本吗？"),
])
def test_search_finds_the_article_that_answers_the_question(articles: Any, query: str, expected: str) -> None:
    found = selectors.faq_search(query=query)
    assert found and found[0].question == expected


def test_unrelated_text_and_unpublished_articles_are_not_suggested(articles: Any) -> None:
    assert selectors.faq_search(query="天气很好") == []
    FaqArticle.objects.filter(question__startswith="信用卡").update(is_published=False)
    assert all(a.question != ARTICLES[0][1] for a in selectors.faq_search(query="信用卡年费"))


def test_the_portal_suggests_answers_while_typing(client: Any, articles: Any) -> None:
    response = client.get("/portal/faq/", {"text": "信用卡年费为什么收"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "信用卡年费怎么收取" in body and "<html" not in body


def test_a_rating_counts_once_per_address(client: Any, articles: Any) -> None:
    article = articles[0]
    for _ in range(3):
        assert client.post(f"/portal/faq/{article.pk}/vote/", {"helpful": "yes"}).status_code == 200
    article.refresh_from_db()
    assert (article.helpful, article.not_helpful) == (1, 0)


def test_only_configurers_write_articles(org: Any, make_user: Any) -> None:
    agent, officer = make_user(Role.SERVICE_AGENT), make_user(Role.CONSUMER_PROTECTION_OFFICER)
    with pytest.raises(PermissionDenied):
        services.faq_save(actor=agent, question="q", answer="a")
    with pytest.raises(ValidationFailed):
        services.faq_save(actor=officer, question="", answer="a")
    services.faq_save(actor=officer, question="网银密码忘了怎么办？", answer="携带身份证到网点重置。", product_line="deposit")
    assert selectors.faq_search(query="密码忘了")[0].question == "网银密码忘了怎么办？"
