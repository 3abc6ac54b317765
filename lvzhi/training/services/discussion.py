"""讨论意见建议: what deputies raise in group discussion, recorded per group by its convener or by office staff,
classified by category and aspect, and answered by the office.

An item can later become a formal suggestion (代表建议). That step belongs here as
``discussion_item_to_suggestion(*, item, by)``, written once the suggestions app exists: it will create the
suggestion through that app's own service (lead deputy = ``item.author.person``, text = ``item.text``) and record
the link on the item; nothing in this module needs to change for it.
"""

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from lvzhi.core.audit import audit_event
from lvzhi.core.notify import notify

from ..models import DiscussionGroup, DiscussionItem, Enrollment, TrainingClass
from .seating import MANAGE, SeatingError, require_manage

# The eight aspects the seed's 96 items fall into, two under each category; offered as suggestions, the field
# stays free text.
ASPECT_SUGGESTIONS: dict[str, list[str]] = {
    DiscussionItem.Category.TRAINING: ["培训内容", "培训方式"],
    DiscussionItem.Category.DUTY: ["闭会期间履职", "代表建议办理"],
    DiscussionItem.Category.OFFICE: ["监督工作", "联系群众"],
    DiscussionItem.Category.DEVELOPMENT: ["民生保障", "产业发展"],
}
TEXT_MAX = 2000


class DiscussionError(SeatingError):
    pass


def convener_enrollment(user, training_class: TrainingClass) -> Enrollment | None:
    """The user's own enrolment in the class when they are a group's convener."""
    if not getattr(user, "person_id", None):
        return None
    return (Enrollment.objects.filter(training_class=training_class, person_id=user.person_id, is_convener=True,
                                      status=Enrollment.Status.ENROLLED, group__isnull=False)
            .select_related("group").first())


def can_record(user, group: DiscussionGroup) -> bool:
    if user.can(MANAGE):
        try:
            require_manage(user, group.training_class)
            return True
        except SeatingError:
            return False
    convener = convener_enrollment(user, group.training_class)
    return convener is not None and convener.group_id == group.pk


def _clean(category: str, aspect: str, text: str) -> tuple[str, str, str]:
    if category not in DiscussionItem.Category.values:
        raise DiscussionError("请选择意见建议的类别")
    text = (text or "").strip()
    if not text:
        raise DiscussionError("请填写意见建议的内容")
    if len(text) > TEXT_MAX:
        raise DiscussionError(f"内容不能超过 {TEXT_MAX} 字，请精简或分成几条")
    aspect = (aspect or "").strip()
    if len(aspect) > 30:
        raise DiscussionError("“方面”不能超过 30 个字")
    return category, aspect, text


@transaction.atomic
def discussion_item_create(*, group: DiscussionGroup, category: str, aspect: str, text: str, by,
                           author: Enrollment | None = None) -> DiscussionItem:
    """Record one item raised in ``group``; ``author``: the member who raised it, when the group names one."""
    if by is not None and not can_record(by, group):
        raise DiscussionError("只有本组召集人或培训班管理人员可以记录讨论意见")
    category, aspect, text = _clean(category, aspect, text)
    if author is not None and author.group_id != group.pk:
        raise DiscussionError(f"{author.person.name}不是{group}的成员")
    item = DiscussionItem.objects.create(training_class=group.training_class, group=group, author=author,
                                         category=category, aspect=aspect, text=text)
    return item


@transaction.atomic
def discussion_item_classify(*, item: DiscussionItem, category: str, aspect: str, by) -> DiscussionItem:
    """The office corrects an item's category and aspect."""
    require_manage(by, item.training_class)
    category, aspect, _ = _clean(category, aspect, item.text)
    item.category, item.aspect = category, aspect
    item.save(update_fields=["category", "aspect"])
    return item


@transaction.atomic
def discussion_reply(*, item: DiscussionItem, reply: str, by) -> DiscussionItem:
    """The office answers an item (a later answer replaces the earlier one, the audit log keeps both); the author
    and the group's convener are told."""
    item = (DiscussionItem.objects.select_for_update(of=("self",))
            .select_related("training_class", "group").get(pk=item.pk))
    require_manage(by, item.training_class)
    reply = (reply or "").strip()
    if not reply:
        raise DiscussionError("请填写答复内容")
    if len(reply) > TEXT_MAX:
        raise DiscussionError(f"答复不能超过 {TEXT_MAX} 字")
    first = not item.reply
    item.reply, item.replied_by, item.replied_at = reply, by, timezone.now()
    item.save(update_fields=["reply", "replied_by", "replied_at"])
    audit_event(item, event="discussion_reply", actor=by, note="答复" if first else "修改答复")
    recipients = Enrollment.objects.filter(training_class=item.training_class, status=Enrollment.Status.ENROLLED,
                                           person__account__is_active=True)
    people = set()
    if item.author_id:
        people.add(item.author.person_id)
    if item.group_id:
        people.update(recipients.filter(group_id=item.group_id, is_convener=True).values_list("person_id", flat=True))
    accounts = [e.person.account for e in recipients.filter(person_id__in=people).select_related("person__account")]
    title = f"{item.training_class.title}讨论意见已答复"
    body = f"“{item.text[:40]}”：{reply[:200]}"
    for account in accounts:
        transaction.on_commit(lambda account=account: notify(user=account, title=title, body=body))
    return item


@transaction.atomic
def discussion_item_delete(*, item: DiscussionItem, by) -> None:
    """A wrongly recorded item: removed by the office, or by its group's convener before it is answered."""
    item = (DiscussionItem.objects.select_for_update(of=("self",))
            .select_related("training_class", "group").get(pk=item.pk))
    if item.reply and not by.can(MANAGE):
        raise DiscussionError("已答复的意见建议只能由培训班管理人员删除")
    if item.group_id is None or not can_record(by, item.group):
        require_manage(by, item.training_class)
    audit_event(item, event="discussion_delete", actor=by, note=item.text[:60])
    item.delete()


def discussion_counts(items) -> dict:
    """Counts by category and by category and aspect for the items given (a queryset), in one query."""
    labels = dict(DiscussionItem.Category.choices)
    rows = items.order_by().values("category", "aspect").annotate(n=Count("id"), replied=Count("replied_at"))
    categories: dict[str, dict] = {}
    for row in rows:
        cat = categories.setdefault(row["category"], {"code": row["category"], "label": labels[row["category"]],
                                                      "count": 0, "replied": 0, "aspects": []})
        cat["count"] += row["n"]
        cat["replied"] += row["replied"]
        cat["aspects"].append({"aspect": row["aspect"] or "未分方面", "value": row["aspect"], "count": row["n"]})
    ordered = [categories[c] for c in DiscussionItem.Category.values if c in categories]
    for cat in ordered:
        cat["aspects"].sort(key=lambda a: (-a["count"], a["aspect"]))
    return {"categories": ordered, "total": sum(c["count"] for c in ordered),
            "aspects": sum(len(c["aspects"]) for c in ordered), "replied": sum(c["replied"] for c in ordered)}
