"""Forms of the office's pages (review, assignment, extension, supervision, categories, list filter)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from lvzhi.core.scoping import scoped
from lvzhi.people.models import Sitting, Unit, chinese_number

from .models import Category, Suggestion, Supervision

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FilterForm(forms.Form):
    q = forms.CharField(label="关键词", required=False,
                        widget=forms.TextInput(attrs={"placeholder": "标题、编号或领衔代表", "type": "search"}))
    period = forms.ChoiceField(label="会议", required=False)
    state = forms.ChoiceField(label="状态", required=False,
                              choices=[("", "全部")] + [c for c in Suggestion.State.choices if c[0] != "draft"])
    category = forms.ModelChoiceField(label="分类", required=False, queryset=Category.objects.none(),
                                      empty_label="全部")
    unit = forms.ModelChoiceField(label="承办单位", required=False, queryset=Unit.objects.none(), empty_label="全部")
    key = forms.BooleanField(label="只看重点建议", required=False)
    overdue = forms.BooleanField(label="只看逾期", required=False)

    def __init__(self, *args, user, region_code: str, **kwargs):
        super().__init__(*args, **kwargs)
        sittings = Sitting.objects.filter(term__congress__region_id=region_code, term__is_current=True) \
            .select_related("term").order_by("-number")
        self.fields["period"].choices = [("", "全部"), ("recess", "闭会期间")] + [
            (str(s.pk), f"{chinese_number(s.term.number)}届{chinese_number(s.number)}次会议") for s in sittings]
        self.fields["category"].queryset = Category.objects.filter(region_id=region_code).order_by("order", "id")
        self.fields["unit"].queryset = scoped(Unit.objects.filter(is_active=True), user).order_by("name")


class AcceptForm(forms.Form):
    category = forms.ModelChoiceField(label="分类", queryset=Category.objects.none(), empty_label="请选择",
                                      error_messages={"required": "请选择建议的分类"})
    is_key = forms.BooleanField(label="重点建议", required=False)
    key_leader = forms.CharField(label="领衔督办领导", max_length=60, required=False,
                                 help_text="重点建议须填写，如：常委会副主任 王某某")
    comment = forms.CharField(label="审查意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, region_code: str, **kwargs):
        super().__init__(*args, **kwargs)
        from .services.office import categories_for

        self.fields["category"].queryset = categories_for(region_code)

    def clean(self):
        data = super().clean()
        if data.get("is_key") and not (data.get("key_leader") or "").strip():
            self.add_error("key_leader", "重点建议须指定领衔督办的领导")
        return data


class CommentForm(forms.Form):
    comment = forms.CharField(label="意见", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000,
                              error_messages={"required": "请填写意见，说明理由"})


class MergeForm(forms.Form):
    into = forms.ModelChoiceField(label="并入建议", queryset=Suggestion.objects.none(), empty_label="请选择",
                                  error_messages={"required": "请选择要并入的建议"})
    comment = forms.CharField(label="说明", required=False, max_length=300)

    def __init__(self, *args, suggestion: Suggestion, user, **kwargs):
        super().__init__(*args, **kwargs)
        from .services.office import MERGE_TARGET_STATES

        self.fields["into"].queryset = scoped(Suggestion.objects.filter(
            term_id=suggestion.term_id, state__in=MERGE_TARGET_STATES).exclude(pk=suggestion.pk), user) \
            .order_by("number", "id")
        self.fields["into"].label_from_instance = lambda s: f"{s.number_label or '未编号'} {s.title}"


class AssignForm(forms.Form):
    lead_unit = forms.ModelChoiceField(label="主办单位", queryset=Unit.objects.none(), empty_label="请选择",
                                       error_messages={"required": "请选择主办单位"})
    co_units = forms.ModelMultipleChoiceField(label="协办单位", queryset=Unit.objects.none(), required=False,
                                              widget=forms.SelectMultiple(attrs={"size": 5}),
                                              help_text="可多选（电脑上按住 Ctrl 键点选）")
    leader = forms.CharField(label="分管领导", max_length=60, required=False)
    handler = forms.CharField(label="领办人", max_length=60, required=False)
    handler_phone = forms.CharField(label="领办人电话", max_length=30, required=False)
    supervisor = forms.CharField(label="督办人", max_length=60, required=False, help_text="如：财经工委 李某某")
    assigned_on = forms.DateField(label="交办时间", required=False, widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = scoped(Unit.objects.filter(is_active=True), user).order_by("name")
        self.fields["lead_unit"].queryset = units
        self.fields["co_units"].queryset = units
        if not self.is_bound:
            self.initial.setdefault("assigned_on", timezone.localdate())

    def clean(self):
        data = super().clean()
        lead, co = data.get("lead_unit"), data.get("co_units")
        if lead and co and lead in co:
            self.add_error("co_units", "主办单位不必再列为协办单位")
        return data


class ExtendForm(forms.Form):
    to = forms.DateField(label="延期至", widget=DATE, error_messages={"required": "请填写延期后的办结时限"})
    reason = forms.CharField(label="延期理由", max_length=300, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "请填写延期理由"})


class DecideForm(forms.Form):
    reason = forms.CharField(label="不同意的理由", max_length=300, required=False)


class SupervisionForm(forms.Form):
    kind = forms.ChoiceField(label="方式", choices=Supervision.Kind.choices)
    date = forms.DateField(label="日期", widget=DATE)
    participants = forms.CharField(label="参加人员", max_length=300)
    findings = forms.CharField(label="督办情况", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)


class CategoryForm(forms.Form):
    name = forms.CharField(label="分类名称", max_length=30)
    committee = forms.CharField(label="督办委员会", max_length=60, required=False)
    is_active = forms.BooleanField(label="在用", required=False, initial=True)
