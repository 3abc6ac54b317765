"""The personal PDF edition: the cover carries the deputy-card details, the body is rendered once; single
downloads by scope; batches as print jobs with progress and a zip."""

import io
import subprocess
import zipfile
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from pypdf import PdfReader

from lvzhi.core.models import Notification
from lvzhi.handbook import editions, print_jobs
from lvzhi.handbook.models import PrintJob

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_body_cache_between_tests(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def county_mandate(person):
    mandate = person.mandates.select_related("term__congress", "delegation", "district").get(level=4)
    mandate.deputy_number = "QY-18-007"
    mandate.save(update_fields=["deputy_number"])
    return mandate


def first_page_text(content: bytes) -> str:
    return PdfReader(io.BytesIO(content)).pages[0].extract_text()


def test_each_edition_has_its_own_cover_and_the_same_body(small_handbook, deputy_person, other_deputy_person,
                                                           tmp_path):
    mine = county_mandate(deputy_person)
    with mock.patch.object(editions, "render_body", wraps=editions.render_body) as body:
        pdfs = editions.handbook_edition_pdfs([(deputy_person, mine), (other_deputy_person, None)])
    assert body.call_count == 1
    cover = first_page_text(pdfs[0])
    assert "张三" in cover and "QY-18-007" in cover and "清源县第十八届人民代表大会代表" in cover
    assert "县人大代表" in cover
    assert "李四" in first_page_text(pdfs[1]) and "张三" not in first_page_text(pdfs[1])
    readers = [PdfReader(io.BytesIO(p), strict=True) for p in pdfs]
    assert len(readers[0].pages) == len(readers[1].pages) >= 4
    assert readers[0].metadata.title == "人大代表履职常识问答（张三）"
    text = "".join(page.extract_text() for page in readers[0].pages[1:])
    assert "李四" not in text and "李四" not in "".join(p.extract_text() for p in readers[0].pages)
    for heading in ("目", "应该做什么", "可以做什么", "不能做什么", "履职保障", "代表法第三十三条", "本书引用的法律条文"):
        assert heading in text
    assert "— 2 —" in readers[0].pages[2].extract_text()  # page numbers
    # Looked at: the cover turned into an image is not blank.
    path = tmp_path / "edition.pdf"
    path.write_bytes(pdfs[0])
    done = subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "3", str(path), str(tmp_path / "cover")],
                          check=True, capture_output=True, text=True)
    assert done.stderr == ""  # poppler reads the joined file without complaint
    png = sorted(tmp_path.glob("cover*.png"))[0]
    assert png.stat().st_size > 5000


def test_body_is_cached_until_the_handbook_changes(small_handbook, deputy_person, office_user):
    from lvzhi.handbook.services import entry_update

    with mock.patch.object(editions, "render_body", wraps=editions.render_body) as body:
        editions.handbook_edition_pdfs([(deputy_person, None)])
        editions.handbook_edition_pdfs([(deputy_person, None)])
        assert body.call_count == 1
        entry = small_handbook[1]
        entry_update(entry=entry, by=office_user, question="新的问题？", answer=entry.answer,
                     citations=entry.citations, part=entry.part)
        pdf = editions.handbook_edition_pdfs([(deputy_person, None)])[0]
        assert body.call_count == 2
    from django.core.files.storage import default_storage

    assert len(default_storage.listdir(editions.CACHE_DIR)[1]) == 1  # the old body is gone
    assert "新的问题？" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_congress_term_label(deputy_person):
    mandate = deputy_person.mandates.select_related("term__congress").get(level=5)
    assert editions.congress_term_label(mandate) == "城关镇第十八届人民代表大会"
    mandate.term.congress.name = "全国人民代表大会"
    assert editions.congress_term_label(mandate) == "第十八届全国人民代表大会"


# ------------------------------------------------------------------------------------------ single download


def test_deputy_downloads_their_own(small_handbook, login, deputy_user):
    response = login(deputy_user).get(reverse("handbook:my_edition"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "张三" in first_page_text(response.content)
    assert "filename*=UTF-8''" in response["Content-Disposition"]


def test_deputy_cannot_download_another(small_handbook, login, deputy_user, other_deputy_person):
    assert login(deputy_user).get(reverse("handbook:edition", args=[other_deputy_person.pk])).status_code == 404


def test_staff_download_in_scope_only(small_handbook, login, township_user, other_township_user, outsider_user,
                                      deputy_person, unit_user):
    mandate = county_mandate(deputy_person)
    url = reverse("handbook:edition", args=[deputy_person.pk])
    response = login(township_user).get(url, {"mandate": mandate.pk})
    assert response.status_code == 200 and "QY-18-007" in first_page_text(response.content)
    for user in (other_township_user, outsider_user, unit_user):
        assert login(user).get(url).status_code == 404


def test_mandate_of_someone_else_is_404(small_handbook, login, office_user, deputy_person, other_deputy_person):
    other = other_deputy_person.mandates.first()
    url = reverse("handbook:edition", args=[deputy_person.pk])
    assert login(office_user).get(url, {"mandate": other.pk}).status_code == 404
    assert login(office_user).post(url).status_code == 405


def test_staff_without_person_has_no_own_edition(small_handbook, login, office_user):
    assert login(office_user).get(reverse("handbook:my_edition")).status_code == 404


# ------------------------------------------------------------------------------------------ print jobs


def _start(by, persons, django_capture_on_commit_callbacks, label="2026年培训班"):
    with django_capture_on_commit_callbacks(execute=True):
        return print_jobs.print_job_start(
            by=by, persons_with_mandates=[(p, p.mandates.order_by("level").first()) for p in persons], label=label)


def test_print_job_makes_one_pdf_per_person(small_handbook, office_user, deputy_person, other_deputy_person,
                                            make_person, django_capture_on_commit_callbacks):
    namesake = make_person("张三", birth=__import__("datetime").date(1990, 1, 1))
    job = _start(office_user, [deputy_person, other_deputy_person, namesake], django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (PrintJob.Status.DONE, 3, 3)
    with job.file.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        names = archive.namelist()
        assert names == ["张三.pdf", "李四.pdf", "张三_2.pdf"]
        assert "李四" in first_page_text(archive.read("李四.pdf"))
    note = Notification.objects.get(user=office_user)
    assert "3份" in note.title and note.link == reverse("handbook:print_job", args=[job.pk])


def test_print_job_refusals(small_handbook, office_user, leader_user, deputy_user, outsider_user, deputy_person,
                            django_capture_on_commit_callbacks):
    for user in (leader_user, deputy_user):
        with pytest.raises(PermissionDenied):
            _start(user, [deputy_person], django_capture_on_commit_callbacks)
    with pytest.raises(PermissionDenied, match="不在您的管辖范围"):
        _start(outsider_user, [deputy_person], django_capture_on_commit_callbacks)
    with pytest.raises(print_jobs.PrintJobError, match="没有要印制"):
        _start(office_user, [], django_capture_on_commit_callbacks)
    assert not PrintJob.objects.exists()


def test_print_job_refuses_a_mandate_of_another_person(small_handbook, office_user, deputy_person,
                                                       other_deputy_person):
    with pytest.raises(print_jobs.PrintJobError, match="代表资格不匹配"):
        print_jobs.print_job_start(by=office_user, label="x",
                                   persons_with_mandates=[(deputy_person, other_deputy_person.mandates.first())])


def test_print_job_runs_once(small_handbook, office_user, deputy_person, django_capture_on_commit_callbacks):
    job = _start(office_user, [deputy_person], django_capture_on_commit_callbacks)
    job.refresh_from_db()
    name = job.file.name
    print_jobs.print_job_run(job.pk)  # a task delivered twice
    job.refresh_from_db()
    assert job.file.name == name and job.status == PrintJob.Status.DONE


def test_print_job_failure_is_reported(small_handbook, office_user, deputy_person):
    job = print_jobs.print_job_start(by=office_user, label="x", persons_with_mandates=[(deputy_person, None)])
    with mock.patch.object(editions, "render_covers", side_effect=RuntimeError("boom")):
        print_jobs.print_job_run(job.pk)
    job.refresh_from_db()
    assert job.status == PrintJob.Status.FAILED and "意外错误" in job.error


def test_print_job_pages(small_handbook, login, office_user, township_user, other_township_user, outsider_user,
                         deputy_user, deputy_person, django_capture_on_commit_callbacks):
    pending = print_jobs.print_job_start(by=office_user, label="等待中", persons_with_mandates=[(deputy_person, None)])
    client = login(office_user)
    fragment = client.get(reverse("handbook:print_job_progress", args=[pending.pk]), HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert "<html" not in body and 'hx-trigger="every 1s"' in body and "0 / 1" in body
    job = _start(office_user, [deputy_person], django_capture_on_commit_callbacks)
    page = client.get(reverse("handbook:print_job", args=[job.pk])).content.decode()
    assert "已生成 1 份" in page and "every 1s" not in page
    assert "等待中" in client.get(reverse("handbook:print_jobs")).content.decode()
    download = client.get(reverse("handbook:print_job_download", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist() == ["张三.pdf"]
    assert client.get(reverse("handbook:print_job_download", args=[pending.pk])).status_code == 404
    # The job belongs to the county office: township staff of the county see it, others do not.
    assert login(township_user).get(reverse("handbook:print_job", args=[job.pk])).status_code == 404
    assert login(outsider_user).get(reverse("handbook:print_job", args=[job.pk])).status_code == 404
    assert login(deputy_user).get(reverse("handbook:print_job", args=[job.pk])).status_code == 403
    assert login(office_user).post(reverse("handbook:print_job_download", args=[job.pk])).status_code == 405


def test_a_job_nobody_picks_up_says_what_to_check(small_handbook, login, office_user, deputy_person):
    import datetime as dt

    from django.utils import timezone

    job = print_jobs.print_job_start(by=office_user, label="没人处理", persons_with_mandates=[(deputy_person, None)])
    client = login(office_user)
    assert "db_worker" not in client.get(reverse("handbook:print_job", args=[job.pk])).content.decode()
    PrintJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(minutes=2))
    assert "db_worker" in client.get(reverse("handbook:print_job", args=[job.pk])).content.decode()


def test_staff_print_every_current_deputy_of_a_level_in_scope(small_handbook, login, township_user, leader_user,
                                                               deputy_person, other_deputy_person,
                                                               django_capture_on_commit_callbacks):
    client = login(township_user)
    assert "全部在任县人大代表" in client.get(reverse("handbook:print_jobs")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("handbook:print_jobs"), {"level": 4, "label": ""})
    job = PrintJob.objects.get()
    assert response["Location"] == reverse("handbook:print_job", args=[job.pk])
    # 城关镇's staff: only 张三 (李四 lives in 河西乡).
    assert job.label == "县人大代表履职常识问答（城关镇，1人）" and job.recipients[0][0] == deputy_person.pk
    job.refresh_from_db()
    assert job.status == PrintJob.Status.DONE
    body = client.post(reverse("handbook:print_jobs"), {"level": 1}, follow=True).content.decode()
    assert "没有在任的全国人大代表" in body
    assert login(leader_user).post(reverse("handbook:print_jobs"), {"level": 4}).status_code == 403
    assert "开始生成" not in login(leader_user).get(reverse("handbook:print_jobs")).content.decode()
