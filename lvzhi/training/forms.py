"""Forms of the plan, survey, class and enrolment pages. They check what was typed and say in Chinese what to fix;
the changes themselves go through ``training.services``."""

import datetime as dt

from django import forms
from django.utils import timezone

from lvzhi.core.models import Region
from lvzhi.core.scoping import scoped
from lvzhi.handbook.models import Quiz
from lvzhi.people.forms import DateInput, NamedErrorsMixin
from lvzhi.people.models import Delegation

from . import selectors
from .models import (
    ClassArea,
    ClassDelegation,
    ClassForm,
    ClassTask,
    Enrollment,
    Instructor,
    Lesson,
    NeedsSurvey,
    SurveyQuestion,
    TrainingClass,
    TrainingPlan,
)


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name() or obj.name


# --------------------------------------------------------------------------------------------- plans


class PlanForm(NamedErrorsMixin, forms.ModelForm):
    class Meta:
        model = TrainingPlan
        fields = ["kind", "title", "term", "year", "parent", "goals"]
        widgets = {"goals": forms.Textarea(attrs={"rows": 6}), "kind": forms.RadioSelect}
        help_texts = {"year": "年度计划必填，如 2026", "parent": "年度计划隶属的届期规划（一届一规划、一年一计划）"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["term"].queryset = selectors_term_choices(user)
        self.fields["term"].label_from_instance = lambda t: str(t)
        parents = selectors.plans_for(user).filter(kind=TrainingPlan.Kind.TERM)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].empty_label = "（无）"
        self.fields["term"].empty_label = "（请选择）"
        self.fields["year"].widget.attrs.update({"min": 2000, "max": 2100, "inputmode": "numeric"})

    def clean(self):
        data = super().clean()
        if data.get("kind") == TrainingPlan.Kind.ANNUAL and not data.get("year"):
            self.add_error("year", "年度培训计划请填写年度")
        if data.get("kind") == TrainingPlan.Kind.TERM and not data.get("term"):
            self.add_error("term", "届期培训规划请选择届")
        if data.get("kind") == TrainingPlan.Kind.TERM and data.get("parent"):
            self.add_error("parent", "届期培训规划不隶属于其他规划")
        return data


def selectors_term_choices(user):
    from lvzhi.people.selectors import term_choices

    return term_choices(user)


# --------------------------------------------------------------------------------------------- surveys


class SurveyForm(NamedErrorsMixin, forms.ModelForm):
    levels = forms.TypedMultipleChoiceField(label="面向层级", choices=selectors.LEVEL_CHOICES, coerce=int,
                                            required=False, widget=forms.CheckboxSelectMultiple,
                                            help_text="不选表示本辖区全部在任代表")

    class Meta:
        model = NeedsSurvey
        fields = ["title", "intro", "plan", "levels", "closes_on"]
        widgets = {"intro": forms.Textarea(attrs={"rows": 3}), "closes_on": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = selectors.plans_for(user)
        self.fields["plan"].empty_label = "（不针对某一规划）"

    def clean_closes_on(self):
        value = self.cleaned_data.get("closes_on")
        if value and value < timezone.localdate() and not (self.instance.pk and value == self.instance.closes_on):
            raise forms.ValidationError("截止日期不能早于今天")
        return value


class SurveyQuestionForm(NamedErrorsMixin, forms.ModelForm):
    options_text = forms.CharField(label="选项", required=False, widget=forms.Textarea(attrs={"rows": 5}),
                                   help_text="单选、多选题每行写一个选项；填写题不用")

    class Meta:
        model = SurveyQuestion
        fields = ["kind", "text", "options_text", "required"]
        widgets = {"kind": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["options_text"] = "\n".join(self.instance.options)

    def clean(self):
        data = super().clean()
        options = [line.strip() for line in (data.get("options_text") or "").splitlines() if line.strip()]
        if data.get("kind") in (SurveyQuestion.Kind.SINGLE, SurveyQuestion.Kind.MULTIPLE) and len(options) < 2:
            self.add_error("options_text", "单选、多选题至少写两个选项，每行一个")
        data["options"] = options
        return data


def answers_from_post(survey: NeedsSurvey, post) -> dict:
    """The raw answers as the services read them: q<id> fields, lists for multiple choice."""
    raw = {}
    for q in survey.questions.all():
        name = f"q{q.pk}"
        raw[str(q.pk)] = post.getlist(name) if q.kind == SurveyQuestion.Kind.MULTIPLE else post.get(name, "")
    return raw


# --------------------------------------------------------------------------------------------- classes


LEAVE_CHAINS = [
    ("home_office,organiser", "代表所属人大常委会 → 主办单位"),
    ("home_office,delegation,organiser", "代表所属人大常委会 → 代表团带队领导 → 主办单位"),
    ("delegation,organiser", "代表团带队领导 → 主办单位"),
    ("organiser", "主办单位"),
]


class TrainingClassForm(NamedErrorsMixin, forms.ModelForm):
    region = RegionChoiceField(label="主办机关所在区划", queryset=Region.objects.none())
    leave_chain_choice = forms.ChoiceField(label="请假审批顺序", choices=LEAVE_CHAINS, initial=LEAVE_CHAINS[0][0])

    class Meta:
        model = TrainingClass
        fields = ["title", "form", "audience", "plan", "region", "organiser", "co_organisers", "start_date",
                  "end_date", "venue", "capacity", "budget_note", "work_plan", "requirements", "late_grace_minutes",
                  "early_grace_minutes", "certificate_min_rate", "pre_quiz", "post_quiz"]
        widgets = {
            "start_date": DateInput(), "end_date": DateInput(),
            "budget_note": forms.Textarea(attrs={"rows": 3}), "work_plan": forms.Textarea(attrs={"rows": 6}),
            "requirements": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {"form": "分片培训保存后在“概况”中划分片区"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = selectors.region_choices(user)
        self.fields["plan"].queryset = selectors.plans_for(user)
        self.fields["plan"].empty_label = "（暂不列入计划）"
        quizzes = scoped(Quiz.objects.all(), user).order_by("-created_at")
        for name in ("pre_quiz", "post_quiz"):
            self.fields[name].queryset = quizzes
            self.fields[name].empty_label = "（不测试）"
        if self.instance.pk:
            self.fields.pop("region")
            self.initial["leave_chain_choice"] = ",".join(self.instance.leave_chain)
        elif user.region_id:
            self.initial.setdefault("region", user.region_id)
            congress_name = _organiser_name(user.region)
            self.initial.setdefault("organiser", congress_name)
        for name in ("late_grace_minutes", "early_grace_minutes", "certificate_min_rate", "capacity"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "结业日期不能早于开班日期")
        if data.get("certificate_min_rate") is not None and data["certificate_min_rate"] > 100:
            self.add_error("certificate_min_rate", "出勤率不能超过 100%")
        return data

    def service_fields(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("region", "leave_chain_choice")}
        data["leave_chain"] = self.cleaned_data["leave_chain_choice"].split(",")
        return data


def _organiser_name(region: Region) -> str:
    if region.level <= Region.Level.COUNTY:
        return f"{region.name}人大常委会"
    return f"{region.name}人大主席团" if region.kind != "街道" else f"{region.name}人大工委"


class ClassFilterForm(forms.Form):
    q = forms.CharField(label="名称", required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "培训班名称"}))
    status = forms.ChoiceField(label="状态", required=False,
                               choices=[("", "全部状态"), *TrainingClass.Status.choices])
    form = forms.ChoiceField(label="形式", required=False, choices=[("", "全部形式"), *ClassForm.choices])
    year = forms.TypedChoiceField(label="年度", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        this = timezone.localdate().year
        self.fields["year"].choices = [("", "全部年度")] + [(y, f"{y}年") for y in range(this + 1, this - 6, -1)]


class AreaForm(NamedErrorsMixin, forms.ModelForm):
    venue_region = RegionChoiceField(label="承办乡镇", queryset=Region.objects.none())
    regions = forms.ModelMultipleChoiceField(label="包含乡镇", queryset=Region.objects.none(),
                                             widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ClassArea
        fields = ["name", "venue_region", "venue", "regions"]
        help_texts = {"name": "如 东片、西片、北片、中片"}

    def __init__(self, *args, training_class: TrainingClass, **kwargs):
        super().__init__(*args, **kwargs)
        towns = selectors.township_choices(training_class)
        self.fields["venue_region"].queryset = towns
        self.fields["regions"].queryset = towns
        self.fields["regions"].label_from_instance = lambda r: r.name


class TaskForm(NamedErrorsMixin, forms.ModelForm):
    class Meta:
        model = ClassTask
        fields = ["title", "owner", "due_date", "note"]
        widgets = {"due_date": DateInput()}


class InstructorForm(NamedErrorsMixin, forms.ModelForm):
    class Meta:
        model = Instructor
        fields = ["name", "title", "organisation", "phone", "bio"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 3}), "phone": forms.TextInput(attrs={"inputmode": "tel"})}


class LessonForm(NamedErrorsMixin, forms.ModelForm):
    day = forms.DateField(label="日期", widget=DateInput())
    start = forms.TimeField(label="开始时间", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(label="结束时间", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    hours = forms.DecimalField(label="学时", required=False, min_value=0, max_digits=4, decimal_places=1,
                               help_text="不填按时长计算（每半小时 0.5 学时）")

    class Meta:
        model = Lesson
        fields = ["topic", "kind", "instructor", "host", "day", "start", "end", "room", "hours", "area",
                  "attendance_required"]

    def __init__(self, *args, training_class: TrainingClass, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.training_class = training_class
        self.fields["instructor"].queryset = selectors.instructors_for(user)
        self.fields["instructor"].empty_label = "（暂不指定）"
        self.fields["instructor"].label_from_instance = (
            lambda i: "，".join(v for v in (i.name, i.organisation, i.title) if v))
        if training_class.form == ClassForm.AREAS:
            self.fields["area"].queryset = training_class.areas.all()
            self.fields["area"].empty_label = "全部片区"
        else:
            self.fields.pop("area")
        if self.instance.pk and not self.is_bound:
            start, end = timezone.localtime(self.instance.starts_at), timezone.localtime(self.instance.ends_at)
            self.initial.update({"day": start.date(), "start": start.time(), "end": end.time()})
        elif not self.is_bound:
            self.initial.setdefault("day", training_class.start_date)

    def clean(self):
        data = super().clean()
        day, start, end = data.get("day"), data.get("start"), data.get("end")
        if day and start and end:
            if end <= start:
                self.add_error("end", "结束时间应晚于开始时间")
            cls = self.training_class
            if not cls.start_date <= day <= cls.end_date:
                self.add_error("day", "日期应在培训期间之内")
            tz = timezone.get_current_timezone()
            data["starts_at"] = timezone.make_aware(dt.datetime.combine(day, start), tz)
            data["ends_at"] = timezone.make_aware(dt.datetime.combine(day, end), tz)
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        fields = {k: data[k] for k in ("topic", "kind", "instructor", "host", "room", "attendance_required",
                                       "starts_at", "ends_at")}
        fields["hours"] = data.get("hours") or 0
        if "area" in self.fields:
            fields["area"] = data.get("area")
        return fields


class MaterialForm(forms.Form):
    title = forms.CharField(label="资料名称", max_length=200, required=False, help_text="不填则用文件名")
    file = forms.FileField(label="文件", error_messages={"required": "请选择要上传的文件"})


class DelegationForm(NamedErrorsMixin, forms.ModelForm):
    class Meta:
        model = ClassDelegation
        fields = ["lead_name", "lead_user", "staff_name", "staff_user"]
        help_texts = {"lead_user": "选择账号后，此人可查看和管理本代表团的人员",
                      "staff_user": "选择账号后，此人可查看和管理本代表团的人员"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = selectors.staff_user_choices(self.instance.training_class)
        for name in ("lead_user", "staff_user"):
            self.fields[name].queryset = users
            self.fields[name].label_from_instance = lambda u: f"{u}（{u.role_label}，{u.region or '—'}）"


class CancelForm(forms.Form):
    reason = forms.CharField(label="取消原因", max_length=200, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "请填写取消的原因"})


# --------------------------------------------------------------------------------------------- enrolment


class EnrolRulesForm(forms.Form):
    region = RegionChoiceField(label="区域", queryset=Region.objects.none(), help_text="含其下各乡镇（街道）")
    levels = forms.TypedMultipleChoiceField(label="代表层级", choices=selectors.LEVEL_CHOICES, coerce=int,
                                            required=False, widget=forms.CheckboxSelectMultiple,
                                            help_text="不选表示各级代表")
    delegations = forms.ModelMultipleChoiceField(label="代表团", queryset=Delegation.objects.none(), required=False,
                                                 help_text="不选表示不限；可按住 Ctrl 多选")
    new_only = forms.BooleanField(label="只含新任代表（非连任）", required=False)
    active_only = forms.BooleanField(label="只含在任代表（不含暂停执行职务的）", required=False, initial=True)
    kind = forms.ChoiceField(label="参训身份", choices=Enrollment.Kind.choices, initial=Enrollment.Kind.DEPUTY)
    area = forms.ModelChoiceField(label="片区", queryset=ClassArea.objects.none(), required=False,
                                  empty_label="不限片区", help_text="只确定该片区所含乡镇的人员")

    def __init__(self, *args, training_class: TrainingClass, user, **kwargs):
        super().__init__(*args, **kwargs)
        from lvzhi.people.selectors import delegation_choices

        if training_class.form == ClassForm.AREAS:
            self.fields["area"].queryset = training_class.areas.prefetch_related("regions")
        else:
            self.fields.pop("area")

        self.training_class = training_class
        prefix = training_class.region.prefix
        self.fields["region"].queryset = selectors.region_choices(user).filter(code__startswith=prefix)
        self.fields["region"].initial = training_class.region_id
        self.fields["delegations"].queryset = delegation_choices(user, within=prefix)
        self.fields["delegations"].label_from_instance = lambda d: f"{d.name}（{d.term.congress.name}）"
        self.fields["region"].error_messages["invalid_choice"] = "所选区域不在主办机关的行政区域内"

    def rules(self):
        from .services.enrolment import EnrolmentRules

        data = self.cleaned_data
        return EnrolmentRules(region=data["region"], levels=data["levels"], delegations=list(data["delegations"]),
                              new_only=data["new_only"], active_only=data["active_only"], kind=data["kind"],
                              area=data.get("area"))


class ManualAddForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label="参训身份", choices=Enrollment.Kind.choices, initial=Enrollment.Kind.DEPUTY)
    delegation = forms.ModelChoiceField(label="代表团", queryset=ClassDelegation.objects.none(), required=False,
                                        empty_label="按其代表团或所在乡镇自动归入")

    def __init__(self, *args, training_class: TrainingClass, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delegation"].queryset = training_class.delegations.all()


class NoticeForm(forms.Form):
    sms = forms.BooleanField(label="同时发送短信（有手机号的）", required=False)
    email = forms.BooleanField(label="同时发送电子邮件（账号有邮箱的）", required=False)
    resend_all = forms.BooleanField(label="已通知的人也再发一次", required=False)


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label="姓名", required=False, widget=forms.TextInput(attrs={"type": "search",
                                                                                  "placeholder": "姓名"}))
    delegation = forms.ModelChoiceField(label="代表团", queryset=ClassDelegation.objects.none(), required=False,
                                        empty_label="全部代表团")
    area = forms.ModelChoiceField(label="片区", queryset=ClassArea.objects.none(), required=False,
                                  empty_label="全部片区")
    status = forms.ChoiceField(label="状态", required=False, initial=Enrollment.Status.ENROLLED,
                               choices=[(Enrollment.Status.ENROLLED, "参训"), (Enrollment.Status.WITHDRAWN, "已撤销"),
                                        ("all", "全部")])

    def __init__(self, *args, training_class: TrainingClass, delegations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delegation"].queryset = (
            delegations if delegations is not None else training_class.delegations.all())
        if training_class.form == ClassForm.AREAS:
            self.fields["area"].queryset = training_class.areas.all()
        else:
            self.fields.pop("area")

