"""Handbook journeys in a real browser: a deputy on a phone takes a quiz, gets one wrong and reads the entry
that answers it; a deputy downloads their personal handbook and its cover shows their name."""

import subprocess

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def handbook_loaded(db):
    from lvzhi.handbook.services import handbook_import
    from lvzhi.handbook.tests.conftest import handbook_data

    handbook_import(handbook_data(), by=None)


def test_deputy_takes_a_quiz_and_reads_the_entry_for_a_wrong_answer(page, sign_in, live_server, handbook_loaded,
                                                                     office_user, deputy_user, password):
    from lvzhi.handbook.models import Question, QuizAttempt
    from lvzhi.handbook.quiz import quiz_create

    quiz_create(by=office_user, title="履职常识自测", question_count=4, time_limit_minutes=10, pass_mark=60)
    page.set_viewport_size(PHONE)
    sign_in(page, "deputy", password)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="履职常识").click()
    page.get_by_role("button", name="我的测试").click()
    page.get_by_role("button", name="去答题").click()
    page.get_by_role("button", name="开始答题").click()
    expect(page.locator(".quiz-timer")).to_contain_text("剩余 09:")

    attempt = QuizAttempt.objects.get()
    questions = Question.objects.in_bulk(attempt.question_ids)
    wrong = questions[attempt.question_ids[0]]
    for pk in attempt.question_ids:
        q = questions[pk]
        chosen = q.answer if q is not wrong else [next(i for i in range(len(q.options)) if i not in q.answer)]
        for index in chosen:
            page.locator(f"input[name=q{pk}][value='{index}']").check()
    expect(page.locator("#save-status")).to_contain_text("已答4/4题")
    page.get_by_role("button", name="交卷").click()

    expect(page.locator(".quiz-score-num")).to_contain_text("75.0")
    expect(page.locator("ol.quiz-wrong > li")).to_have_count(1)
    expect(page.locator("ol.quiz-wrong")).to_contain_text(wrong.text)
    page.locator("a.quiz-read").click()
    expect(page.locator("h1")).to_have_text(wrong.entry.question)
    page.locator("details.hb-citation summary").first.click()
    expect(page.locator("details.hb-citation").first).to_contain_text("第")


def test_personal_handbook_pdf_downloads_with_the_deputy_name_on_its_cover(page, sign_in, handbook_loaded,
                                                                           deputy_user, password, tmp_path):
    page.set_viewport_size(PHONE)
    sign_in(page, "deputy", password)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="履职常识").click()
    with page.expect_download() as info:
        page.get_by_role("button", name="下载个人专用本（PDF）").click()
    download = info.value
    assert download.suggested_filename == "人大代表履职常识问答_张三.pdf"
    path = tmp_path / "handbook.pdf"
    download.save_as(path)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(tmp_path / "cover")],
                   check=True)
    png = next(tmp_path.glob("cover*.png"))
    assert png.stat().st_size > 5000
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "张三" in text and "清源县第十八届人民代表大会代表" in text
