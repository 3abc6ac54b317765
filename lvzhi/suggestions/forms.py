"""Deputy forms: the draft, the co-signer invitation and the rating (other sides keep their forms elsewhere)."""

from __future__ import annotations

from django import forms
from django.urls import reverse

from lvzhi.people.models import Mandate, Person, Sitting

from .models import Rating, Suggestion
from .services import deputy as services


class DraftForm(forms.Form):
    term = forms.ModelChoiceField(label="向哪一级人民代表大会提出", queryset=None, empty_label=None)
    sitting = forms.ModelChoiceField(label="提出时间", queryset=Sitting.objects.none(), required=False,
                                     empty_label="闭会期间",
                                     help_text="大会期间（开幕前30天至闭幕）可选本次会议；其他时间为闭会期间建议")
    kind = forms.ChoiceField(label="类型", choices=Suggestion.Kind.choices, initial=Suggestion.Kind.SUGGESTION,
                             widget=forms.RadioSelect, help_text="议案只能在大会期间提出，须依法定人数联名")
    title = forms.CharField(label="标题（案由）", max_length=services.TITLE_MAX,
                            widget=forms.TextInput(attrs={"placeholder": "如：关于在东门路口增设信号灯的建议"}))
    background = forms.CharField(label="情况和问题", required=False, max_length=services.BACKGROUND_MAX,
                                 widget=forms.Textarea(attrs={"rows": 6, "placeholder": "发生在哪里、涉及多少人、"
                                                              "持续多久、造成什么影响，写清事实和数据"}))
    request = forms.CharField(label="具体建议", required=False, max_length=services.REQUEST_MAX,
                              widget=forms.Textarea(attrs={"rows": 5, "placeholder": "希望哪个部门做什么、"
                                                           "做到什么程度，尽量可操作"}))

    def __init__(self, *args, user, suggestion: Suggestion | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        terms = services.terms_for(user.person_id)
        self.fields["term"].queryset = terms
        self.fields["term"].label_from_instance = lambda t: f"{t.congress.name}（第{t.number}届）"
        open_ids = [s.pk for t in terms for s in services.open_sittings(t)]
        if suggestion is not None and suggestion.sitting_id:
            open_ids.append(suggestion.sitting_id)
        self.fields["sitting"].queryset = Sitting.objects.filter(pk__in=open_ids).select_related("term__congress")
        self.fields["sitting"].label_from_instance = lambda s: f"{s.term.congress.name}第{s.term.number}届第{s.number}次会议"
        if suggestion is not None:
            self.fields["term"].disabled = True
            self.fields["term"].queryset = terms.model.objects.filter(pk=suggestion.term_id).select_related("congress")
            if suggestion.state != Suggestion.State.DRAFT:
                self.fields["sitting"].disabled = True
        for name in ("title", "background", "request"):
            widget = self.fields[name].widget
            widget.attrs.update({"hx-get": reverse("suggestions:similar"), "hx-trigger": "input changed delay:600ms",
                                 "hx-target": "#similar", "hx-include": "#draft-form", "data-similar-source": ""})

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {"title": data["title"], "background": data["background"], "request": data["request"],
                "sitting": data.get("sitting"), "kind": data["kind"]}


class InviteForm(forms.Form):
    person = forms.ModelChoiceField(label="邀请附议代表", queryset=Person.objects.none(),
                                    empty_label="选择本届在任代表")

    def __init__(self, *args, suggestion: Suggestion, **kwargs):
        super().__init__(*args, **kwargs)
        taken = suggestion.signatures.values("person_id")
        self.fields["person"].queryset = (
            Person.objects.filter(mandates__term_id=suggestion.term_id, mandates__status=Mandate.Status.ACTIVE)
            .exclude(pk__in=taken).distinct().order_by("name_initials", "id"))


VERDICT_CHOICES = Rating.Verdict.choices


class RatingForm(forms.Form):
    leadership = forms.ChoiceField(label="组织领导", choices=VERDICT_CHOICES, widget=forms.RadioSelect,
                                   help_text="承办单位领导是否重视、亲自研究")
    attitude = forms.ChoiceField(label="办理态度", choices=VERDICT_CHOICES, widget=forms.RadioSelect,
                                 help_text="是否认真负责、主动办理")
    communication = forms.ChoiceField(label="面商沟通", choices=VERDICT_CHOICES, widget=forms.RadioSelect,
                                      help_text="答复前是否与您当面或电话沟通")
    reply_quality = forms.ChoiceField(label="答复质量", choices=VERDICT_CHOICES, widget=forms.RadioSelect,
                                      help_text="答复是否针对问题、明确具体")
    implementation = forms.ChoiceField(label="落实情况", choices=VERDICT_CHOICES, widget=forms.RadioSelect,
                                       help_text="承诺的事项是否在做、是否做成")
    overall = forms.ChoiceField(label="综合评价", choices=VERDICT_CHOICES, widget=forms.RadioSelect,
                                help_text="选“不满意”将重新办理")
    comment = forms.CharField(label="意见", required=False, max_length=services.COMMENT_MAX,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text="不满意时必填：哪里不满意、希望怎样办")
