"""The menu a user sees: only modules that exist and that their role may use."""

from django.urls import reverse


def menu_for(user, path: str) -> list[dict]:
    if not getattr(user, "is_authenticated", False):
        return []
    from lvzhi.accounts.models import Role

    items: list[tuple[str, str]] = [("首页", reverse("core:home"))]
    role = user.role
    if role in (Role.OFFICE, Role.TOWNSHIP, Role.LEADER):
        items.append(("代表名册", reverse("people:roster")))
        items.append(("培训", reverse("training:index")))
        items.append(("建议办理", reverse("suggestions:office_list")))
        if user.can("roster.import"):
            items.append(("名册导入", reverse("people:import")))
        if user.can("notes.review"):
            items.append(("笔记审核", reverse("archive:review_queue")))
        items.append(("履职常识", reverse("handbook:home")))
        if user.can("handbook.edit"):
            items.append(("题库", reverse("handbook:questions")))
    if role == Role.DEPUTY:
        items.append(("我的档案", reverse("archive:person", args=[user.person_id])))
        items.append(("履职笔记", reverse("archive:my_notes")))
        items.append(("履职常识", reverse("handbook:home")))
        items.append(("我的培训", reverse("training:my_classes")))
        items.append(("我的建议", reverse("suggestions:my_list")))
    if role == Role.UNIT:
        items.append(("承办建议", reverse("suggestions:unit_inbox")))
    if role == Role.ADMIN:
        items.append(("用户管理", reverse("accounts:user_list")))
        items.append(("审计日志", reverse("accounts:audit_log")))
        items.append(("节假日", reverse("suggestions:calendar")))
        items.append(("基础数据", reverse("admin:index")))
    items.append(("通知", reverse("core:inbox")))
    # The entry whose address is the longest prefix of the page's path is the current one.
    matches = [url for _, url in items if path == url or (url != "/" and path.startswith(url))]
    current = max(matches, key=len, default=None)
    return [{"label": label, "url": url, "active": url == current} for label, url in items]
