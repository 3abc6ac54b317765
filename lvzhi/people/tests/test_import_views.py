"""The web import: upload → progress → errors table, or upload → preview → apply (once)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from lvzhi.people.models import ImportJob, Mandate, Person

from .roster_files import person, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def upload(client, django_capture_on_commit_callbacks):
    """Post a file as the signed-in user; the validation task runs at once (immediate backend)."""

    def do(content, name="代表名册.xlsx"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("people:import"), {"file": SimpleUploadedFile(name, content)})

    return do


@pytest.fixture
def apply(client, django_capture_on_commit_callbacks):
    def do(job):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("people:import_apply", args=[job.pk]))

    return do


def _job(user, content, status=ImportJob.Status.PENDING, filename="名册.xlsx", **fields):
    return ImportJob.objects.create(created_by=user, filename=filename, content=content, status=status,
                                    region_code=user.region_id, **fields)


# --- the upload page ---------------------------------------------------------------------------------------


def test_upload_page_renders(login, office_user):
    response = login(office_user).get(reverse("people:import"))
    assert response.status_code == 200
    assert "上传并校验" in response.content.decode()


def test_upload_page_lists_recent_jobs_of_the_scope_only(login, office_user, outsider_user):
    _job(office_user, b"x")
    _job(outsider_user, b"x", filename="远山.xlsx")
    page = login(office_user).get(reverse("people:import")).content.decode()
    assert "名册.xlsx" in page and "远山.xlsx" not in page


def test_upload_requires_a_signed_in_user(client):
    response = client.get(reverse("people:import"))
    assert response.status_code == 302


@pytest.mark.parametrize("who", ["leader_user", "township_user", "deputy_user"])
def test_upload_is_refused_without_the_import_capability(login, request, who):
    client = login(request.getfixturevalue(who))
    assert client.get(reverse("people:import")).status_code == 403
    assert client.post(reverse("people:import"), {"file": SimpleUploadedFile("a.xlsx", b"x")}).status_code == 403
    assert ImportJob.objects.count() == 0


def test_upload_wrong_method(login, office_user):
    assert login(office_user).put(reverse("people:import")).status_code == 405


def test_upload_refuses_other_file_types(login, office_user, upload):
    login(office_user)
    response = upload(b"a,b", name="名册.csv")
    assert response.status_code == 200
    assert "请上传 .xlsx 格式的Excel文件" in response.content.decode()
    response = upload(b"\xd0\xcf", name="名册.xls")
    assert "另存为" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_upload_without_a_file_says_so(login, office_user):
    response = login(office_user).post(reverse("people:import"))
    assert response.status_code == 200
    assert "这个字段是必填项" in response.content.decode() or "必填" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_errors_download_of_a_job_without_errors_is_404(login, office_user):
    job = _job(office_user, b"x", status=ImportJob.Status.READY)
    assert login(office_user).get(reverse("people:import_errors", args=[job.pk])).status_code == 404


def test_template_download(login, office_user):
    response = login(office_user).get(reverse("people:import_template"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    headers = [c.value for c in sheet[2]]
    assert {"姓名", "身份证号", "代表层级", "乡镇（街道）"} <= set(headers)


# --- upload → progress → errors ---------------------------------------------------------------------------------


def test_upload_with_errors_shows_the_error_table(login, office_user, congresses, upload):
    client = login(office_user)
    response = upload(xlsx([person(1), person(2, 性别="女"), person(3, 身份证号="123")]))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("people:import_job", args=[job.pk])
    assert job.status == ImportJob.Status.INVALID
    assert job.processed_rows == job.total_rows == 3
    page = client.get(response.url).content.decode()
    assert "<th>行号</th><th>列名</th><th>说明</th>" in page
    assert "第4行" in page and "与身份证号不一致（身份证号显示为男）" in page
    assert "第5行" in page and "身份证号应为18位" in page
    assert 'hx-trigger="every 1s"' not in page
    assert "确认导入</button>" not in page
    assert Person.objects.count() == 0


def test_errors_download(login, office_user, congresses, upload):
    client = login(office_user)
    upload(xlsx([person(1, 代表层级="村")]))
    job = ImportJob.objects.get()
    response = client.get(reverse("people:import_errors", args=[job.pk]))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0] == ("行号", "列名", "说明")
    assert rows[1][:2] == (3, "代表层级")


def test_progress_partial_polls_while_validating(login, office_user):
    job = _job(office_user, b"x", status=ImportJob.Status.VALIDATING, total_rows=10, processed_rows=5)
    response = login(office_user).get(reverse("people:import_progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert 'hx-trigger="every 1s"' in page
    assert f'hx-get="{reverse("people:import_progress", args=[job.pk])}"' in page
    assert '<progress value="5" max="10"' in page
    assert "已检查 5 / 10 行（50%）" in page


def test_progress_partial_stops_polling_when_done(login, office_user):
    job = _job(office_user, b"x", status=ImportJob.Status.INVALID,
               errors=[{"row": 3, "column": "姓名", "message": "不能为空（必填）"}])
    page = login(office_user).get(reverse("people:import_progress", args=[job.pk])).content.decode()
    assert "every 1s" not in page
    assert "第3行" in page


def test_job_page_has_no_inline_script(login, office_user):
    job = _job(office_user, b"x", status=ImportJob.Status.VALIDATING)
    page = login(office_user).get(reverse("people:import_job", args=[job.pk])).content.decode()
    assert "<progress" in page
    for chunk in page.split("<script")[1:]:
        assert chunk.lstrip().startswith("src=")


def test_progress_wrong_method(login, office_user):
    job = _job(office_user, b"x")
    assert login(office_user).post(reverse("people:import_progress", args=[job.pk])).status_code == 405


def test_a_file_that_is_not_a_workbook_is_reported(login, office_user, congresses, upload):
    client = login(office_user)
    response = upload(b"PK\x03\x04 broken zip")
    page = client.get(response.url).content.decode()
    assert "无法读取此文件" in page or "不是 .xlsx 格式" in page


# --- upload → preview → apply ----------------------------------------------------------------------------------


def test_upload_preview_apply(login, office_user, congresses, upload, apply):
    client = login(office_user)
    response = upload(xlsx([person(1), person(2)]))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.READY
    page = client.get(response.url).content.decode()
    assert "新增人员" in page and "测试乙1" in page and "确认导入" in page
    assert Person.objects.count() == 0  # nothing before the user confirms

    response = apply(job)
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert job.result["created_persons"] == 2
    assert Person.objects.count() == 2 and Mandate.objects.count() == 4
    assert "已导入" in client.get(response.url).content.decode()


def test_applying_twice_has_no_second_effect(login, office_user, congresses, upload, apply):
    client = login(office_user)
    upload(xlsx([person(1)]))
    job = ImportJob.objects.get()
    apply(job)
    Person.objects.all().delete()  # even if the roster changed since, the job is not written again
    response = apply(job)
    assert response.status_code == 302
    assert Person.objects.count() == 0
    assert "不会重复写入" in client.get(response.url).content.decode()


def test_preview_of_a_changed_roster_lists_the_changed_fields(login, office_user, congresses, upload, apply):
    client = login(office_user)
    upload(xlsx([person(1)]))
    apply(ImportJob.objects.get())
    response = upload(xlsx([person(1, 联系电话="13900000000")]))
    page = client.get(response.url).content.decode()
    assert "更新人员" in page
    assert "联系电话：138****0001 → 139****0000" in page


def test_same_file_again_needs_no_apply(login, office_user, congresses, upload, apply):
    client = login(office_user)
    content = xlsx([person(1)])
    upload(content)
    apply(ImportJob.objects.get())
    response = upload(content)
    page = client.get(response.url).content.decode()
    assert "没有需要写入的变化" in page and "确认导入</button>" not in page


def test_apply_checks_the_file_again(login, office_user, congresses, upload, apply, regions, make_person):
    login(office_user)
    upload(xlsx([person(1)]))
    job = ImportJob.objects.get()
    from lvzhi.people.services import person_create

    # Meanwhile the same person is registered in another county.
    person_create(by=None, id_number=person(1)["身份证号"], name="别人", gender="男", region=regions["other_town"])
    apply(job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.errors[0]["column"] == "身份证号"
    assert Mandate.objects.count() == 0


def test_apply_wrong_method(login, office_user):
    job = _job(office_user, b"x", status=ImportJob.Status.READY)
    assert login(office_user).get(reverse("people:import_apply", args=[job.pk])).status_code == 405


def test_apply_of_an_invalid_job_does_nothing(login, office_user, congresses, upload, apply):
    login(office_user)
    upload(xlsx([person(1, 代表层级="村")]))
    job = ImportJob.objects.get()
    apply(job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.INVALID
    assert Person.objects.count() == 0


# --- scope and roles ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, method", [("import_job", "get"), ("import_progress", "get"), ("import_apply", "post"),
                                          ("import_errors", "get")])
def test_a_job_of_another_region_answers_404(login, office_user, outsider_user, name, method):
    job = _job(office_user, b"x", status=ImportJob.Status.READY, errors=[{"row": 1, "column": "a", "message": "b"}])
    response = getattr(login(outsider_user), method)(reverse(f"people:{name}", args=[job.pk]))
    assert response.status_code == 404
    job.refresh_from_db()
    assert job.status == ImportJob.Status.READY


@pytest.mark.parametrize("name, method", [("import_job", "get"), ("import_progress", "get"), ("import_apply", "post"),
                                          ("import_errors", "get")])
def test_a_leader_reads_but_cannot_import(login, office_user, leader_user, name, method):
    job = _job(office_user, b"x", status=ImportJob.Status.READY)
    response = getattr(login(leader_user), method)(reverse(f"people:{name}", args=[job.pk]))
    assert response.status_code == 403
    job.refresh_from_db()
    assert job.status == ImportJob.Status.READY


def test_page_fits_a_phone(login, office_user, congresses, upload):
    """At 375 px the tables collapse to labelled lines (responsive class + data-label on every cell)."""
    client = login(office_user)
    response = upload(xlsx([person(1, 代表层级="村")]))
    page = client.get(response.url).content.decode()
    assert 'class="responsive import-errors"' in page
    assert 'data-label="行号"' in page and 'data-label="说明"' in page


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_validation_and_apply(client, office_user, congresses, settings):
    """Production path: the upload only queues the job; db_worker validates it, and later applies it."""
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    client.force_login(office_user)
    response = client.post(reverse("people:import"), {"file": SimpleUploadedFile("a.xlsx", xlsx([person(1)]))})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.PENDING
    assert 'hx-trigger="every 1s"' in client.get(response.url).content.decode()
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO())
    job.refresh_from_db()
    assert job.status == ImportJob.Status.READY
    client.post(reverse("people:import_apply", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.APPLYING
    assert Person.objects.count() == 0
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO())
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert Person.objects.count() == 1
