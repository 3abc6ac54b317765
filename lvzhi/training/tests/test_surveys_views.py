"""Survey pages: the office writes and opens a survey, a deputy answers on the phone, results with a chart,
Excel export."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from lvzhi.people.models import Level
from lvzhi.training.models import NeedsSurvey, SurveyQuestion, SurveyResponse
from lvzhi.training.services import plans as svc

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(office_user, regions):
    s = svc.survey_create(by=office_user, region=regions["county"], title="培训需求调研", levels=[Level.COUNTY])
    svc.survey_question_add(by=office_user, survey=s, kind=SurveyQuestion.Kind.MULTIPLE, text="您最需要的内容",
                            options=["代表法", "建议撰写", "预算审查"])
    svc.survey_question_add(by=office_user, survey=s, kind=SurveyQuestion.Kind.TEXT, text="其他意见", required=False)
    return s


def test_create_and_add_questions(login, office_user):
    client = login(office_user)
    client.post(reverse("training:survey_create"), {"title": "新调研", "levels": ["4", "5"]})
    survey = NeedsSurvey.objects.get()
    assert survey.levels == [4, 5]
    url = reverse("training:survey_question_add", args=[survey.pk])
    client.post(url, {"kind": "single", "text": "时长", "options_text": "半天\n一天\n", "required": "on"})
    assert survey.questions.get().options == ["半天", "一天"]
    response = client.post(url, {"kind": "single", "text": "只有一个选项", "options_text": "唯一"}, follow=True)
    assert "至少写两个选项" in response.content.decode()
    assert survey.questions.count() == 1
    assert client.get(url).status_code == 405


def test_open_results_and_export(login, office_user, deputy_user, survey):
    client = login(office_user)
    client.post(reverse("training:survey_open", args=[survey.pk]))
    multiple, text = (str(q.pk) for q in survey.questions.all())
    svc.survey_answer(by=deputy_user, survey=survey, answers={multiple: ["0", "2"], text: "=多讲案例"})
    response = client.get(reverse("training:survey_detail", args=[survey.pk]))
    body = response.content.decode()
    assert 'data-chart="chart-q' in body and 'id="chart-q' in body  # the chart's option as json_script
    assert "=多讲案例" in body and "已回收 <strong>1</strong> 份" in body
    response = client.get(reverse("training:survey_export", args=[survey.pk]))
    book = load_workbook(io.BytesIO(response.content))
    summary = [row for row in book["汇总"].iter_rows(values_only=True) if any(row)]
    assert ("代表法", 1, "100%") in summary and ("建议撰写", 0, "0%") in summary
    details = list(book["答卷明细"].iter_rows(values_only=True))
    assert details[1][0] == "张三" and details[1][2] == "代表法、预算审查"
    assert details[1][3] == "'=多讲案例"  # no formula from a deputy's text


def test_office_pages_scope(login, outsider_user, leader_user, deputy_user, survey):
    assert login(outsider_user).get(reverse("training:survey_detail", args=[survey.pk])).status_code == 404
    assert login(leader_user).get(reverse("training:survey_detail", args=[survey.pk])).status_code == 200
    assert login(leader_user).post(reverse("training:survey_open", args=[survey.pk])).status_code == 403
    assert login(deputy_user).get(reverse("training:survey_detail", args=[survey.pk])).status_code == 403


def test_list_query_count_does_not_grow(login, office_user, regions, survey, django_assert_max_num_queries):
    client = login(office_user)
    with django_assert_max_num_queries(10) as small:
        client.get(reverse("training:survey_list"))
    for n in range(6):
        svc.survey_create(by=office_user, region=regions["county"], title=f"调研{n}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get(reverse("training:survey_list")).content.decode()
    assert "调研5" in body


def test_deputy_answers_on_the_phone_and_revises(login, office_user, deputy_user, survey):
    svc.survey_open(by=office_user, survey=survey)
    multiple, text = (str(q.pk) for q in survey.questions.all())
    client = login(deputy_user)
    url = reverse("training:survey_answer", args=[survey.pk])
    assert "您最需要的内容" in client.get(url).content.decode()
    response = client.post(url, {f"q{multiple}": []})
    assert "请选择此题的答案" in response.content.decode()
    assert not SurveyResponse.objects.exists()
    client.post(url, {f"q{multiple}": ["1"], f"q{text}": "希望有案例"})
    client.post(url, {f"q{multiple}": ["0", "1"]})
    assert SurveyResponse.objects.get().answers == {multiple: [0, 1]}
    body = client.get(url).content.decode()
    assert "修改后提交" in body and 'value="0" checked' in body
    assert "培训需求调研" in client.get(reverse("training:my_classes")).content.decode()


def test_answer_page_for_others(login, office_user, other_deputy_user, survey, deputy_user):
    url = reverse("training:survey_answer", args=[survey.pk])
    assert login(deputy_user).get(url).status_code == 404  # still a draft
    svc.survey_open(by=office_user, survey=survey)
    assert login(office_user).get(url).status_code == 403
    svc.survey_update(by=office_user, survey=survey, title=survey.title, levels=[Level.COUNTY])
    NeedsSurvey.objects.filter(pk=survey.pk).update(levels=[Level.TOWNSHIP])
    assert login(other_deputy_user).get(url).status_code == 404  # only a county deputy
    assert login(deputy_user).get(url).status_code == 200  # also a township deputy


def test_closed_survey_shows_but_does_not_take_answers(login, office_user, deputy_user, survey):
    svc.survey_open(by=office_user, survey=survey)
    svc.survey_close(by=office_user, survey=survey)
    multiple, _ = (str(q.pk) for q in survey.questions.all())
    client = login(deputy_user)
    response = client.post(reverse("training:survey_answer", args=[survey.pk]), {f"q{multiple}": ["0"]}, follow=True)
    assert "调研已结束" in response.content.decode()
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize("name", ["survey_question_add", "survey_open", "survey_close"])
def test_post_only_survey_views(login, office_user, leader_user, outsider_user, survey, name):
    url = reverse(f"training:{name}", args=[survey.pk])
    assert login(office_user).get(url).status_code == 405
    assert login(leader_user).post(url).status_code == 403
    assert login(outsider_user).post(url).status_code == 404


def test_question_edit_and_delete(login, office_user, leader_user, outsider_user, survey):
    question = survey.questions.first()
    edit = reverse("training:survey_question_edit", args=[question.pk])
    delete = reverse("training:survey_question_delete", args=[question.pk])
    assert login(leader_user).get(edit).status_code == 403
    assert login(outsider_user).get(edit).status_code == 404
    assert login(outsider_user).post(delete).status_code == 404
    assert login(office_user).get(delete).status_code == 405
    client = login(office_user)
    client.post(edit, {"kind": "multiple", "text": "最需要学习的内容", "options_text": "代表法\n监督法"})
    question.refresh_from_db()
    assert question.options == ["代表法", "监督法"]
    client.post(delete)
    assert not survey.questions.filter(pk=question.pk).exists()


def test_survey_edit(login, office_user, leader_user, outsider_user, survey):
    url = reverse("training:survey_edit", args=[survey.pk])
    assert login(leader_user).get(url).status_code == 403
    assert login(outsider_user).get(url).status_code == 404
    login(office_user).post(url, {"title": "改名的调研", "levels": ["4"]})
    survey.refresh_from_db()
    assert survey.title == "改名的调研"
