"""The discussion items page: recording by conveners and staff, replies (with the HTMX fragment), filters, Excel."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from lvzhi.training.models import DiscussionItem
from lvzhi.training.services import discussion as services
from lvzhi.training.services import groups as group_services

pytestmark = pytest.mark.django_db


def url(name, cls, *args):
    return reverse(f"training:{name}", args=[cls.pk, *args])


@pytest.fixture
def split(training_class, office_user, deputy_person, other_deputy_person, enroll):
    mine = enroll(deputy_person)
    other = enroll(other_deputy_person, 1)
    group_services.groups_split(training_class=training_class, by=office_user, count=2)
    mine.refresh_from_db()
    other.refresh_from_db()
    group_services.group_set_convener(group=mine.group, enrollment=mine, by=office_user)
    return {"mine": mine, "other": other}


def _item(group, office_user, **fields):
    values = {"category": "training", "aspect": "培训方式", "text": "多安排案例教学", **fields}
    return services.discussion_item_create(group=group, by=office_user, **values)


def test_convener_records_an_item_on_the_phone_page(login, deputy_user, training_class, split):
    client = login(deputy_user)
    html = client.get(url("discussion", training_class)).content.decode()
    assert "您是第" in html and "记录一条意见建议" in html
    response = client.post(url("discussion_add", training_class), {
        "group": split["mine"].group_id, "category": "duty", "aspect": "代表建议办理", "text": "建议办理要面商",
        "author": split["mine"].pk}, follow=True)
    assert "已记录" in response.content.decode()
    item = DiscussionItem.objects.get()
    assert (item.group, item.author, item.category) == (split["mine"].group, split["mine"], "duty")


def test_convener_cannot_record_for_another_group(login, deputy_user, training_class, split):
    response = login(deputy_user).post(url("discussion_add", training_class), {
        "group": split["other"].group_id, "category": "duty", "text": "x"})
    assert response.status_code == 403
    assert not DiscussionItem.objects.exists()


def test_convener_sees_only_their_group(login, deputy_user, office_user, training_class, split):
    _item(split["mine"].group, office_user, text="本组的建议")
    _item(split["other"].group, office_user, text="别组的建议")
    html = login(deputy_user).get(url("discussion", training_class)).content.decode()
    assert "本组的建议" in html and "别组的建议" not in html


def test_plain_deputy_gets_403_and_outsider_404(login, other_deputy_user, outsider_user, training_class, split):
    assert login(other_deputy_user).get(url("discussion", training_class)).status_code == 403
    assert login(outsider_user).get(url("discussion", training_class)).status_code == 404
    assert login(outsider_user).get(url("discussion_xlsx", training_class)).status_code == 404


def test_reply_htmx_fragment(login, office_user, deputy_user, training_class, split):
    item = _item(split["mine"].group, office_user)
    response = login(office_user).post(url("discussion_reply", training_class, item.pk),
                                       {"reply": "下期培训增加案例课", "category": "training", "aspect": "培训内容"},
                                       HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<article class="discussion-item replied" id="item-{item.pk}"')
    assert "下期培训增加案例课" in html and "已保存答复" in html
    item.refresh_from_db()
    assert (item.reply, item.aspect, item.replied_by) == ("下期培训增加案例课", "培训内容", office_user)
    empty = login(office_user).post(url("discussion_reply", training_class, item.pk), {"reply": ""},
                                    HTTP_HX_REQUEST="true")
    assert "请填写答复内容" in empty.content.decode()


def test_read_only_and_conveners_cannot_reply(login, leader_user, deputy_user, office_user, training_class, split):
    item = _item(split["mine"].group, office_user)
    assert login(leader_user).post(url("discussion_reply", training_class, item.pk), {"reply": "好"}).status_code == 403
    assert login(deputy_user).post(url("discussion_reply", training_class, item.pk), {"reply": "好"}).status_code == 403
    assert login(leader_user).post(url("discussion_add", training_class), {
        "group": split["mine"].group_id, "category": "duty", "text": "x"}).status_code == 403


def test_wrong_method(login, office_user, training_class, split):
    assert login(office_user).post(url("discussion", training_class)).status_code == 405
    assert login(office_user).get(url("discussion_add", training_class)).status_code == 405


def test_filters_counts_and_htmx_list(login, office_user, training_class, split):
    group = split["mine"].group
    _item(group, office_user, category="training", aspect="培训方式", text="甲建议")
    _item(group, office_user, category="duty", aspect="闭会期间履职", text="乙建议")
    _item(group, office_user, category="duty", aspect="闭会期间履职", text="丙建议")
    client = login(office_user)
    html = client.get(url("discussion", training_class)).content.decode()
    assert "共 <strong>3</strong> 条，2 大类 2 个方面" in html
    fragment = client.get(url("discussion", training_class) + "?category=duty&aspect=闭会期间履职",
                          HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="items"')
    assert "乙建议" in fragment and "丙建议" in fragment and "甲建议" not in fragment


def test_list_query_count_does_not_grow(login, office_user, training_class, split, django_assert_max_num_queries):
    client = login(office_user)
    _item(split["mine"].group, office_user, author=split["mine"])
    client.get(url("discussion", training_class))
    with django_assert_max_num_queries(14) as small:
        client.get(url("discussion", training_class))
    for n in range(20):
        _item(split["mine"].group, office_user, text=f"建议{n}", author=split["mine"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url("discussion", training_class))


def test_excel_export(login, office_user, training_class, split):
    _item(split["mine"].group, office_user, text="=HYPERLINK(\"x\")", author=split["mine"])
    services.discussion_reply(item=DiscussionItem.objects.get(), reply="已研究", by=office_user)
    response = login(office_user).get(url("discussion_xlsx", training_class))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 1
    assert rows[0][:6] == (1, "第1组", "培训工作", "培训方式", "'=HYPERLINK(\"x\")", split["mine"].person.name)
    assert rows[0][7] == "已研究"


def test_delete_by_convener(login, deputy_user, training_class, split):
    item = services.discussion_item_create(group=split["mine"].group, category="duty", aspect="", text="记错了",
                                           by=deputy_user)
    login(deputy_user).post(url("discussion_delete", training_class, item.pk))
    assert not DiscussionItem.objects.exists()


def test_convener_finds_the_discussion_page_from_their_class_page(login, deputy_user, other_deputy_user,
                                                                   training_class, split):
    link = url("discussion", training_class)
    assert link in login(deputy_user).get(reverse("training:my_class", args=[training_class.pk])).content.decode()
    other = login(other_deputy_user).get(reverse("training:my_class", args=[training_class.pk])).content.decode()
    assert link not in other
