"""Needs surveys: questions, opening to chosen levels (deputies told), answering once and revising, closing,
results per question."""

import datetime as dt

import pytest

from lvzhi.core.models import Notification
from lvzhi.people.models import Level
from lvzhi.training.models import NeedsSurvey, SurveyQuestion, SurveyResponse
from lvzhi.training.selectors import survey_results, surveys_for_person
from lvzhi.training.services import plans as svc
from lvzhi.training.services.classes import TrainingError

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(office_user, regions):
    s = svc.survey_create(by=office_user, region=regions["county"], title="2027年代表培训需求调研",
                          levels=[Level.COUNTY])
    svc.survey_question_add(by=office_user, survey=s, kind=SurveyQuestion.Kind.SINGLE, text="您希望的培训时长",
                            options=["半天", "一天", "两天"])
    svc.survey_question_add(by=office_user, survey=s, kind=SurveyQuestion.Kind.MULTIPLE, text="您最需要的内容",
                            options=["代表法", "建议撰写", "预算审查"])
    svc.survey_question_add(by=office_user, survey=s, kind=SurveyQuestion.Kind.TEXT, text="其他意见",
                            required=False)
    return s


def _ids(survey):
    return [str(q.pk) for q in survey.questions.all()]


def test_open_tells_the_deputies_of_the_chosen_levels(office_user, survey, deputy_user, other_deputy_user,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        told = svc.survey_open(by=office_user, survey=survey)
    assert told == 2
    note = Notification.objects.get(user=deputy_user)
    assert note.link == f"/training/surveys/{survey.pk}/answer/"
    survey.refresh_from_db()
    assert survey.status == NeedsSurvey.Status.OPEN


def test_township_level_survey_does_not_reach_county_only_deputies(office_user, regions, other_deputy_user,
                                                                    deputy_user):
    s = svc.survey_create(by=office_user, region=regions["county"], title="乡镇代表调研", levels=[Level.TOWNSHIP])
    assert list(surveys_for_person(other_deputy_user.person).filter(pk=s.pk)) == []
    s.status = NeedsSurvey.Status.OPEN
    s.save()
    assert list(surveys_for_person(deputy_user.person).filter(pk=s.pk)) == [s]
    assert list(surveys_for_person(other_deputy_user.person).filter(pk=s.pk)) == []


def test_open_needs_questions_and_happens_once(office_user, regions, survey):
    empty = svc.survey_create(by=office_user, region=regions["county"], title="空调研")
    with pytest.raises(TrainingError, match="添加问题"):
        svc.survey_open(by=office_user, survey=empty)
    svc.survey_open(by=office_user, survey=survey)
    with pytest.raises(TrainingError, match="不能再开始"):
        svc.survey_open(by=office_user, survey=survey)
    with pytest.raises(TrainingError, match="不能再修改"):
        svc.survey_question_add(by=office_user, survey=survey, kind="text", text="晚到的问题")


def test_choice_question_needs_two_options(office_user, survey):
    with pytest.raises(TrainingError, match="两个选项"):
        svc.survey_question_add(by=office_user, survey=survey, kind="single", text="x", options=["唯一"])


def test_answer_once_revise_until_closed(office_user, survey, deputy_user):
    svc.survey_open(by=office_user, survey=survey)
    single, multiple, text = _ids(survey)
    svc.survey_answer(by=deputy_user, survey=survey, answers={single: "1", multiple: ["0", "2"], text: "多安排案例"})
    svc.survey_answer(by=deputy_user, survey=survey, answers={single: "2", multiple: ["1"], text: ""})
    response = SurveyResponse.objects.get(survey=survey)
    assert response.answers == {single: [2], multiple: [1]}
    svc.survey_close(by=office_user, survey=survey)
    with pytest.raises(TrainingError, match="已结束"):
        svc.survey_answer(by=deputy_user, survey=survey, answers={single: "0", multiple: ["0"]})


def test_answers_are_checked(office_user, survey, deputy_user):
    svc.survey_open(by=office_user, survey=survey)
    single, multiple, text = _ids(survey)
    _, errors = svc.clean_answers(survey, {single: "", multiple: ["0"]})
    assert errors == {single: "请选择此题的答案"}
    _, errors = svc.clean_answers(survey, {single: "7", multiple: ["0"]})
    assert errors == {single: "选项不正确"}
    with pytest.raises(TrainingError):
        svc.survey_answer(by=deputy_user, survey=survey, answers={single: "", multiple: []})
    assert not SurveyResponse.objects.exists()


def test_only_addressed_deputies_answer(office_user, regions, survey, deputy_user, make_person, congresses):
    from lvzhi.accounts.models import User
    from lvzhi.people.services import mandate_create

    svc.survey_open(by=office_user, survey=survey)
    far = make_person("远方", region=regions["other_town"])
    mandate_create(by=None, person=far, term=congresses["other_county"])
    user = User.objects.create_user(username="far", password="x-Long-Pass-1", role="deputy", person=far)
    single, multiple, _ = _ids(survey)
    with pytest.raises(TrainingError, match="不面向您"):
        svc.survey_answer(by=user, survey=survey, answers={single: "0", multiple: ["0"]})
    with pytest.raises(TrainingError, match="代表本人"):
        svc.survey_answer(by=office_user, survey=survey, answers={single: "0", multiple: ["0"]})


def test_closes_on_passed_means_closed_for_answers(office_user, survey, deputy_user):
    svc.survey_open(by=office_user, survey=survey)
    NeedsSurvey.objects.filter(pk=survey.pk).update(closes_on=dt.date(2020, 1, 1))
    survey.refresh_from_db()
    assert not svc.survey_is_open(survey)


def test_results_count_options_and_list_texts(office_user, survey, deputy_user, other_deputy_user):
    svc.survey_open(by=office_user, survey=survey)
    single, multiple, text = _ids(survey)
    svc.survey_answer(by=deputy_user, survey=survey, answers={single: "1", multiple: ["0", "1"], text: "多讲案例"})
    svc.survey_answer(by=other_deputy_user, survey=survey, answers={single: "1", multiple: ["1"]})
    results = survey_results(survey)
    assert results["response_count"] == 2
    first, second, third = results["questions"]
    assert [r["count"] for r in first["rows"]] == [0, 2, 0]
    assert [r["count"] for r in second["rows"]] == [1, 2, 0]
    assert second["rows"][1]["share"] == 100
    assert second["chart"]["series"][0]["data"] == [1, 2, 0]
    assert third["texts"] == [{"person": "张三", "text": "多讲案例"}]


def test_rights(leader_user, outsider_user, survey):
    for user in (leader_user, outsider_user):
        with pytest.raises(TrainingError):
            svc.survey_open(by=user, survey=survey)
