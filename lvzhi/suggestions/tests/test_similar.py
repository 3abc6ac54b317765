"""Similar suggestions: bigrams, the inverted index, scope and scoring."""

import pytest

from lvzhi.suggestions.models import Suggestion
from lvzhi.suggestions.similarity import grams, index_suggestion, similar_suggestions

pytestmark = pytest.mark.django_db
S = Suggestion.State


def test_grams_break_on_punctuation_and_drop_stop_grams():
    assert grams("关于增设信号灯，东门路") == {"增设", "设信", "信号", "号灯", "东门", "门路"}
    assert grams("") == set()


@pytest.fixture
def past(make_suggestion, other_deputy_person):
    rows = [
        make_suggestion(state=S.CLOSED, lead=other_deputy_person, title="关于在东门路路口增设交通信号灯的建议",
                        request="东门路与解放路交叉口车流量大，建议增设红绿灯和斑马线。"),
        make_suggestion(state=S.HANDLING, lead=other_deputy_person, title="关于加快农村饮水安全工程建设的建议",
                        request="河西乡部分村组自来水管网老化，建议列入明年改造计划。"),
        make_suggestion(state=S.SUBMITTED, lead=other_deputy_person, title="关于增加城区中小学学位供给的建议",
                        request="城区学校大班额突出，建议新建一所小学。"),
    ]
    for row in rows:
        index_suggestion(row)
    return rows


def test_finds_a_near_duplicate_and_ignores_unrelated(past, deputy_user):
    found = similar_suggestions(text="关于东门路交叉口增设信号灯的建议 建议在解放路口安装红绿灯", user=deputy_user)
    assert found and found[0][0] == past[0] and found[0][1] > 0.3
    assert past[1] not in [s for s, _ in found]
    assert similar_suggestions(text="关于提高养老服务补贴标准的建议", user=deputy_user) == []


def test_others_drafts_and_withdrawn_are_not_shown(make_suggestion, other_deputy_person, deputy_user):
    text = "关于在东门路路口增设交通信号灯的建议"
    for state in (S.DRAFT, S.WITHDRAWN):
        row = make_suggestion(state=state, lead=other_deputy_person, title=text)
        index_suggestion(row)
    assert similar_suggestions(text=text, user=deputy_user) == []


def test_scope_other_congress_and_units(past, make_suggestion, congresses, deputy_user, unit_user, office_user,
                                        other_township_user):
    text = "东门路路口增设交通信号灯"
    assert similar_suggestions(text=text, user=unit_user) == []
    assert similar_suggestions(text=text, user=office_user)[0][0] == past[0]
    assert similar_suggestions(text=text, user=other_township_user) == []  # a township does not see the county's
    far = make_suggestion(state=S.SUBMITTED, term=congresses["other_county"], title="关于东门路路口增设交通信号灯")
    index_suggestion(far)
    assert far not in [s for s, _ in similar_suggestions(text=text, user=deputy_user)]


def test_exclude_and_limit(past, deputy_user):
    text = past[0].title + past[0].request
    assert similar_suggestions(text=text, user=deputy_user, exclude=past[0].pk) == []
    assert len(similar_suggestions(text="关于建议", user=deputy_user, limit=1)) <= 1


def test_query_count_does_not_grow(past, make_suggestion, other_deputy_person, deputy_user,
                                   django_assert_max_num_queries):
    for i in range(20):
        index_suggestion(make_suggestion(state=S.SUBMITTED, lead=other_deputy_person,
                                         title=f"关于东门路第{i}段增设交通信号灯的建议"))
    with django_assert_max_num_queries(6):
        found = similar_suggestions(text="东门路增设交通信号灯", user=deputy_user, limit=5)
    assert len(found) == 5
