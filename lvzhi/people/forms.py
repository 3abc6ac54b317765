"""Forms of the roster pages. They validate what a person typed and say in Chinese what to fix; the
changes themselves are made by services."""

import re

from django import forms
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from lvzhi.core.idnumber import IdNumberError, parse_id_number
from lvzhi.core.models import Region
from lvzhi.core.textnorm import clean_name, clean_text, parse_year_month, squeeze

from . import selectors
from .models import Level, Mandate, MandateChange, Person
from .services import TRANSITIONS

ETHNICITY_SUGGESTIONS = ["汉族", "壮族", "回族", "满族", "维吾尔族", "苗族", "彝族", "土家族", "藏族", "蒙古族", "侗族",
                         "布依族", "瑶族", "白族", "朝鲜族", "哈尼族", "黎族", "哈萨克族", "傣族", "畲族"]
POLITICAL_SUGGESTIONS = ["中共党员", "中共预备党员", "共青团员", "民革党员", "民盟盟员", "民建会员", "民进会员",
                         "农工党党员", "致公党党员", "九三学社社员", "台盟盟员", "无党派人士", "群众"]
EDUCATION_SUGGESTIONS = ["研究生", "大学", "大专", "中专", "高中", "初中", "小学"]
# 职业构成 as the election statistics count it.
OCCUPATION_SUGGESTIONS = ["党政干部", "工人", "农民", "专业技术人员", "企业负责人", "社会组织", "解放军和武警",
                          "其他"]


class NamedErrorsMixin:
    """Required-field messages that name the field (“请填写姓名”, “请选择人大及届次”) instead of Django's generic one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            verb = "选择" if isinstance(field.widget, forms.Select | forms.RadioSelect) else "填写"
            field.error_messages["required"] = f"请{verb}{field.label}"
            if isinstance(field, forms.ModelChoiceField):
                field.error_messages["invalid_choice"] = f"所选{field.label}不存在或不在您的权限范围内"


class DatalistInput(forms.TextInput):
    """A text input with suggestions the browser offers; any other value may still be typed."""

    def __init__(self, options, attrs=None):
        super().__init__(attrs)
        self.options = list(options)

    def render(self, name, value, attrs=None, renderer=None):
        list_id = f"{(attrs or {}).get('id') or 'id_' + name}_list"
        attrs = {**(attrs or {}), "list": list_id, "autocomplete": "off"}
        options = format_html_join("", '<option value="{}"></option>', ((o,) for o in self.options))
        return format_html('{}<datalist id="{}">{}</datalist>', super().render(name, value, attrs, renderer),
                           list_id, options)


class FastSelect(forms.Select):
    """A select rendered in Python rather than through a template per option: the roster's filter bar is drawn on
    every list request, and Django's option templates cost more than the list's SQL."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        options = format_html_join("", "<option value=\"{}\"{}>{}</option>", (
            (str(v), mark_safe(" selected") if str(v) in chosen else "", label)
            for v, label in self.choices
        ))
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options)


class YearMonthField(forms.DateField):
    """出生年月: typed as 1975-03 (the month picker), 1975.03 or 1975年3月; kept as the first of the month."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    default_error_messages = {"invalid": "请按“1975-03”的格式填写年月"}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        parsed = parse_year_month(value)
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


REGION_LIMIT = 2000
# A select lists at most this many options; a province has thousands of groups, and a page must not grow with them.
CHOICE_LIMIT = 100


def bound_choices(field: forms.ModelChoiceField, shown, *, hint: str, selected=None, limit: int | None = None,
                  columns: tuple[str, ...] | None = None, label=None) -> None:
    """Render at most CHOICE_LIMIT options from ``shown`` (a narrower queryset than the one that validates).

    When there are more, the select offers only the hint (e.g. “请先选择乡镇”) and the value already chosen, so a
    link carrying any valid value still works and the page stays small. With ``columns`` (the key first) and
    ``label`` (taking the other columns), options are read as plain values, without building model instances.
    """
    limit = CHOICE_LIMIT if limit is None else limit
    if columns:
        rows = [(row[0], label(*row[1:])) for row in shown.values_list(*columns)[: limit + 1]]
    else:
        rows = [(row.pk, field.label_from_instance(row)) for row in shown[: limit + 1]]
    truncated = len(rows) > limit
    options = [] if truncated else rows
    if selected is not None and selected.pk not in {pk for pk, _ in options}:
        options.insert(0, (selected.pk, field.label_from_instance(selected)))  # show what filters the list
    field.widget.choices = [("", hint if truncated else field.empty_label), *options]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


# ---------------------------------------------------------------------------------------------------------------
# Roster filter


class RosterFilterForm(forms.Form):
    q = forms.CharField(
        label="搜索", required=False, max_length=40,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "姓名、拼音首字母（如 zs）或身份证号后几位",
                                      "autocomplete": "off", "enterkeyhint": "search"}),
    )
    level = forms.TypedChoiceField(label="代表层级", required=False, coerce=int, empty_value=None,
                                   choices=[("", "全部层级"), *Level.choices], widget=FastSelect)
    region = forms.ModelChoiceField(label="乡镇（街道）", required=False, queryset=Region.objects.none(),
                                    empty_label="全部区域", widget=FastSelect)
    delegation = forms.ModelChoiceField(label="代表团", required=False, queryset=None, empty_label="全部代表团",
                                        widget=FastSelect)
    group = forms.ModelChoiceField(label="代表小组", required=False, queryset=None, empty_label="全部小组",
                                   widget=FastSelect)
    status = forms.ChoiceField(label="状态", required=False,
                               choices=[("", "全部状态"), *Mandate.Status.choices], widget=FastSelect)
    tenure = forms.ChoiceField(label="新任/连任", required=False, widget=FastSelect,
                               choices=[("", "新任和连任"), ("new", "新任"), ("reelected", "连任")])
    occupation = forms.CharField(label="职业构成", required=False, max_length=20)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["region"].queryset = selectors.child_regions(user)
        if user.region and user.region.level >= Region.Level.TOWNSHIP:
            self.fields["region"].label = "村（社区）"
        # Validation accepts any delegation or group of the user's scope; the selects list those of the region
        # chosen (if any), and no more than CHOICE_LIMIT (see bound_choices, called from is_valid).
        self.fields["delegation"].queryset = selectors.delegation_choices(user)
        self.fields["delegation"].label_from_instance = _delegation_label
        self.fields["group"].queryset = selectors.group_choices(user)
        occupations = sorted(set(selectors.occupation_choices(user)) | set(OCCUPATION_SUGGESTIONS))
        self.fields["occupation"].widget = FastSelect(choices=[("", "全部职业"), *((o, o) for o in occupations)])

    def full_clean(self):
        super().full_clean()
        data = getattr(self, "cleaned_data", {})
        region = data.get("region")
        within = region.prefix if region is not None else None
        hint = "请先选择区域" if within is None else "该区域较多，请再缩小区域"
        bound_choices(self.fields["region"], self.fields["region"].queryset, hint="全部区域",
                      selected=region, columns=("code", "name"), label=str)
        bound_choices(self.fields["delegation"], selectors.delegation_choices(self.user, within), hint=hint,
                      selected=data.get("delegation"), columns=("pk", "name", "term__congress__level"),
                      label=lambda name, level: f"{name}（{Level(level).label}）")
        bound_choices(self.fields["group"], selectors.group_choices(self.user, within), hint=hint,
                      selected=data.get("group"), columns=("pk", "name"), label=str)

    def to_filter(self) -> selectors.RosterFilter:
        """The valid part of the filter; a value that did not validate filters nothing."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        flt = selectors.RosterFilter(
            q=data.get("q") or "",
            level=data.get("level"),
            region=data.get("region"),
            delegation=data.get("delegation"),
            group=data.get("group"),
            status=data.get("status") or "",
            tenure=data.get("tenure") or "",
            occupation=data.get("occupation") or "",
        )
        labels = []
        if flt.level:
            labels.append(f"{Level(flt.level).label}级代表")
        if flt.region:
            labels.append(flt.region.name)
        if flt.delegation:
            labels.append(flt.delegation.name)
        if flt.group:
            labels.append(flt.group.name)
        if flt.status:
            labels.append(Mandate.Status(flt.status).label)
        if flt.tenure:
            labels.append(dict(self.fields["tenure"].choices)[flt.tenure])
        if flt.occupation:
            labels.append(flt.occupation)
        if flt.q:
            labels.append(f"搜索“{flt.q}”")
        flt.labels = labels
        return flt


def _delegation_label(delegation) -> str:
    return f"{delegation.name}（{Level(delegation.term.congress.level).label}）"


# ---------------------------------------------------------------------------------------------------------------
# Person


class PersonForm(NamedErrorsMixin, forms.ModelForm):
    id_number = forms.CharField(label="身份证号", max_length=24, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))
    birth_date = YearMonthField(label="出生年月", required=False, help_text="不填则按身份证号")

    class Meta:
        model = Person
        # id_number is a form field only: the service sets it with its hash and mask, never the ModelForm.
        fields = ["name", "gender", "birth_date", "ethnicity", "native_place", "political_status",
                  "education", "region", "employer_title", "occupation", "phone"]
        widgets = {
            "ethnicity": DatalistInput(ETHNICITY_SUGGESTIONS),
            "political_status": DatalistInput(POLITICAL_SUGGESTIONS),
            "education": DatalistInput(EDUCATION_SUGGESTIONS),
            "occupation": DatalistInput(OCCUPATION_SUGGESTIONS),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }
        help_texts = {"region": "", "gender": "不填则按身份证号"}

    field_order = ["name", "id_number", "gender", "birth_date"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.id_info = None
        region = self.fields["region"]
        region.queryset = selectors.person_regions(user)
        region.label_from_instance = _region_label
        region.empty_label = "请选择"
        # A county lists its townships and villages; a province office's thousands are not put in one select.
        bound_choices(region, region.queryset, hint="辖区过大，请由县（市、区）或乡镇（街道）录入",
                      selected=self.instance.region if self.instance.pk else None, limit=REGION_LIMIT)
        gender = self.fields["gender"]
        gender.required = False
        gender.choices = [("", "按身份证号"), ("男", "男"), ("女", "女")]
        if self.instance.pk:
            self.fields["id_number"].help_text = f"当前为 {self.instance.id_masked}；不修改请留空"
            if self.instance.phone:
                # A form is no way around masking: the full number is shown only through the audited reveal.
                self.initial["phone"] = self.instance.phone_masked
                self.fields["phone"].help_text = "已脱敏显示；不修改请保持原样"
        else:
            self.fields["id_number"].required = True

    def clean_name(self):
        name = clean_name(self.cleaned_data.get("name"))
        if not name:
            raise forms.ValidationError("请填写姓名")
        return name

    def clean_id_number(self):
        raw = self.cleaned_data.get("id_number") or ""
        if not raw.strip():
            if not self.instance.pk:
                raise forms.ValidationError("请填写身份证号")
            return ""
        try:
            self.id_info = parse_id_number(raw)
        except IdNumberError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return self.id_info.number

    def clean_phone(self):
        raw = self.cleaned_data.get("phone") or ""
        if self.instance.pk and raw == self.instance.phone_masked and raw:
            return self.instance.phone  # left as shown (masked): unchanged
        phone = squeeze(raw).replace("-", "").replace("－", "")
        if phone and not re.fullmatch(r"1\d{10}|0\d{9,11}|\d{7,8}", phone):
            raise forms.ValidationError("联系电话应为11位手机号，或带区号的固定电话（如0731-12345678）")
        return phone

    def _clean_text(self, name):
        return clean_text(self.cleaned_data.get(name))

    def clean_ethnicity(self):
        return self._clean_text("ethnicity")

    def clean_native_place(self):
        return self._clean_text("native_place")

    def clean_employer_title(self):
        return self._clean_text("employer_title")

    def clean_occupation(self):
        return self._clean_text("occupation")

    def clean(self):
        data = super().clean()
        info = self.id_info
        if info is None and self.instance.pk and "id_number" not in self.errors:
            try:
                info = parse_id_number(self.instance.id_number)
            except IdNumberError:
                info = None
        if info is None:
            if not data.get("gender") and "id_number" not in self.errors:
                self.add_error("gender", "请选择性别")
            return data
        gender = data.get("gender")
        if not gender:
            data["gender"] = info.gender
        elif gender != info.gender:
            self.add_error("gender", f"性别与身份证号不符：按身份证号应为“{info.gender}”，请核对")
        birth = data.get("birth_date")
        if birth is None and "birth_date" not in self.errors:
            data["birth_date"] = info.birth_date.replace(day=1)
        elif birth is not None and (birth.year, birth.month) != (info.birth_date.year, info.birth_date.month):
            self.add_error("birth_date", f"出生年月与身份证号不符：按身份证号应为{info.birth_date.year}年"
                                         f"{info.birth_date.month}月，请核对")
        return data

    def person_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "id_number"}


def _region_label(region: Region) -> str:
    if region.level >= Region.Level.VILLAGE and region.parent is not None:
        return f"{region.parent.name} · {region.name}"
    return region.name


# ---------------------------------------------------------------------------------------------------------------
# Mandates


class MandateForm(NamedErrorsMixin, forms.Form):
    term = forms.ModelChoiceField(label="人大及届次", queryset=None, empty_label="请选择")
    elected_by = forms.ChoiceField(label="产生方式", choices=Mandate.ElectedBy.choices,
                                   initial=Mandate.ElectedBy.GENERAL)
    start_date = forms.DateField(label="资格起始日期", required=False, widget=DateInput(),
                                 help_text="换届选举的可不填（为本届起始日期）；补选的填补选当选之日")
    district_name = forms.CharField(label="选区或选举单位", required=False, max_length=60)
    delegation_name = forms.CharField(label="代表团", required=False, max_length=60)
    group = forms.ModelChoiceField(label="代表小组", required=False, queryset=None, empty_label="（无）")
    station = forms.ModelChoiceField(label="联络站", required=False, queryset=None, empty_label="（无）")
    deputy_number = forms.CharField(label="代表证号", required=False, max_length=30)
    is_reelected = forms.BooleanField(label="连任（上届也是本级代表）", required=False)

    def __init__(self, *args, user, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        term = self.fields["term"]
        term.queryset = selectors.term_choices(user)
        term.label_from_instance = lambda t: f"{t.congress.name}{t.label}"
        self.fields["group"].queryset = selectors.group_choices(user)
        self.fields["station"].queryset = selectors.station_choices(user)
        # For a known person, offer what fits where they live: the congresses above their region, and the groups,
        # stations and delegations of their county. Validation still takes anything in the user's scope.
        county = person.region_id[:6] if person is not None else None
        shown_terms = selectors.terms_for_region(user, person.region_id) if person is not None else term.queryset
        hint = "辖区过大，请在人员页面添加"
        bound_choices(term, shown_terms, hint=hint)
        bound_choices(self.fields["group"], selectors.group_choices(user, county), hint=hint)
        bound_choices(self.fields["station"], selectors.station_choices(user, county), hint=hint)
        names = selectors.delegation_choices(user, county).values_list("name", flat=True)[:CHOICE_LIMIT]
        self.fields["delegation_name"].widget = DatalistInput(sorted(set(names)))

    def clean(self):
        data = super().clean()
        term, start = data.get("term"), data.get("start_date")
        if data.get("elected_by") == Mandate.ElectedBy.BY_ELECTION and not start and "start_date" not in self.errors:
            self.add_error("start_date", "补选产生的代表请填写补选当选之日")
        if term and start and (start < term.start_date or (term.end_date and start > term.end_date)):
            self.add_error("start_date", f"资格起始日期应在{term.label}任期之内（{term.start_date:%Y年%m月%d日}起）")
        return data


class MandateEditForm(NamedErrorsMixin, forms.Form):
    district_name = forms.CharField(label="选区或选举单位", required=False, max_length=60)
    delegation_name = forms.CharField(label="代表团", required=False, max_length=60)
    group = forms.ModelChoiceField(label="代表小组", required=False, queryset=None, empty_label="（无）")
    station = forms.ModelChoiceField(label="联络站", required=False, queryset=None, empty_label="（无）")
    deputy_number = forms.CharField(label="代表证号", required=False, max_length=30)
    is_reelected = forms.BooleanField(label="连任（上届也是本级代表）", required=False)

    def __init__(self, *args, user, mandate, **kwargs):
        kwargs.setdefault("initial", {
            "district_name": mandate.district.name if mandate.district else "",
            "delegation_name": mandate.delegation.name if mandate.delegation else "",
            "group": mandate.group_id, "station": mandate.station_id,
            "deputy_number": mandate.deputy_number, "is_reelected": mandate.is_reelected,
        })
        super().__init__(*args, **kwargs)
        county = mandate.person.region_id[:6]
        for name, choices in (("group", selectors.group_choices), ("station", selectors.station_choices)):
            field = self.fields[name]
            field.queryset = choices(user)
            bound_choices(field, choices(user, county), hint="（无）", selected=getattr(mandate, name))
        names = mandate.term.delegations.order_by("name").values_list("name", flat=True)[:CHOICE_LIMIT]
        self.fields["delegation_name"].widget = DatalistInput(names)
        districts = mandate.term.districts.order_by("name").values_list("name", flat=True)[:CHOICE_LIMIT]
        self.fields["district_name"].widget = DatalistInput(districts)


# Kinds of status change offered on the form; a by-election is a new mandate, not a change of an old one.
STATUS_KIND_HELP = {
    MandateChange.Kind.SUSPENDED: "代表法第六十一条所列情形（如因刑事案件被羁押）",
    MandateChange.Kind.RESUMED: "暂停执行职务的情形消失",
    MandateChange.Kind.RESIGNED: "代表辞职，经本级人大常委会（或主席团）接受",
    MandateChange.Kind.RECALLED: "原选区选民或原选举单位依法罢免",
    MandateChange.Kind.ENDED: "代表法第六十二条所列的其他情形",
}
# Resignation and recall carry their own ground; the other grounds of Art. 62 are chosen for 终止.
END_REASON_CHOICES = [(v, label) for v, label in Mandate.EndReason.choices
                      if v not in (Mandate.EndReason.RESIGNED, Mandate.EndReason.RECALLED)]


class StatusChangeForm(NamedErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label="变动类型", widget=forms.RadioSelect)
    date = forms.DateField(label="日期", widget=DateInput())
    end_reason = forms.ChoiceField(label="终止情形", required=False, choices=[("", "请选择"), *END_REASON_CHOICES],
                                   help_text="仅“终止”需要选择")
    reason = forms.CharField(label="原因或依据", max_length=200,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="如：县人大常委会第二十次会议决定；文号")

    def __init__(self, *args, mandate: Mandate, **kwargs):
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.mandate = mandate
        self.fields["kind"].choices = [
            (kind.value, kind.label) for kind, (allowed, _) in TRANSITIONS.items() if mandate.status in allowed
        ]
        self.fields["kind"].error_messages["invalid_choice"] = (
            f"当前状态为「{mandate.get_status_display()}」，不能办理该变动"
        )

    def clean_reason(self):
        reason = clean_text(self.cleaned_data.get("reason"))
        if not reason:
            raise forms.ValidationError("请填写原因或依据（如会议决定、文号）")
        return reason

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError("日期不能晚于今天；决定生效后再办理")
        return date

    def clean(self):
        data = super().clean()
        if data.get("kind") == MandateChange.Kind.ENDED and not data.get("end_reason"):
            self.add_error("end_reason", "终止代表资格须选择代表法第六十二条所列的情形")
        return data
